"""`synthloom selection score`: IFD, reversed IFD or length of an Alpaca-format file, one record per sample, in
input order; `synthloom selection compare`: several selectors over one pool, streamed, and how their picks differ.

For users who want the scores without a campaign. `--compat cherry|superfiltering|reflection` reproduces that
reference script's numbers on the same model; without it, answers are located by offset mapping. The model is
called through a `ModelSession`, so every reply is logged to a store beside the output and a rerun of a killed
command scores only what it had not scored yet.
"""

from __future__ import annotations

from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

import click

import synthloom

if TYPE_CHECKING:
    from synthloom import ModelSpec
    from synthloom.plugins.selection.parsing import AlpacaItem
    from synthloom.plugins.selection.scoring import ScoringOptions

CHUNK = 256  # samples per model call: bounds what a crash loses and gives progress lines
OUT_SUFFIXES = (".jsonl", ".json", ".parquet")


def _output_path(ctx: click.Context, param: click.Parameter, out: Path) -> Path:
    """Refused before anything is scored: the default store is named after the output, so a rerun with another
    output name would not find the replies already paid for."""
    if out.suffix not in OUT_SUFFIXES:
        raise click.BadParameter(f"{out.name!r}: use {', '.join(OUT_SUFFIXES)}")
    return out


@click.group(name="selection")
def selection() -> None:
    """Select training data: score samples (IFD, reversed IFD, length) and compare selectors on a pool."""


@selection.command("score")
@click.argument("metric", type=click.Choice(["ifd", "rifd", "length"]))
@click.option("--data", "data_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Alpaca-format .json (list), .jsonl or .parquet: instruction, input, output.")
@synthloom.model_options()
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path), callback=_output_path,
              help="Where to write the records: .jsonl (one per line), .json (a list) or .parquet.")
@click.option("--store", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where model calls are cached and logged (default: OUT.calls.duckdb beside the output).")
@click.option("--compat", type=click.Choice(["cherry", "superfiltering", "reflection"]), default=None,
              help="Reproduce a reference script's template, tokens and truncation exactly.")
@click.option("--template", type=click.Choice(["alpaca", "none", "vicuna", "wiz"]), default=None,
              help="Prompt template (default: the compat mode's, else alpaca).")
@click.option("--max-length", type=int, default=None, help="Context cut (default: the compat mode's, else 2048).")
@click.option("--limit", type=int, default=None, help="Score only the first N samples.")
def score(metric: str, data_path: Path, model: str, options: tuple[str, ...], out: Path, store: Path | None,
          compat: str | None, template: str | None, max_length: int | None, limit: int | None) -> None:
    """Score an Alpaca-format file: IFD, reversed IFD (with IFD, as the reference computes both), or length."""
    from synthloom.plugins.selection.parsing import alpaca_item, duplicates

    items = [alpaca_item(row) for row in islice(synthloom.read_rows(data_path, objects=False), limit)]
    spec = synthloom.spec_from_arg(model, options)
    if metric == "length":
        fields = _length_fields(items, spec)
    else:
        scoring = _scoring_options(compat=compat, template=template, max_length=max_length, reverse=metric == "rifd")
        with synthloom.ModelSession.for_output(spec, out, store, command="selection-score") as client:
            fields = _model_fields(items, scoring, client)
    repeated = duplicates([(i.instruction, i.input, i.output) for i in items])
    records = [{"index": i, **f, "duplicate_of": repeated.get(i)} for i, f in enumerate(fields)]
    synthloom.write_rows(records, out)
    skipped = sum(1 for r in records if r.get("reason"))
    click.echo(f"wrote {len(records)} records to {out} ({skipped} without a score, {len(repeated)} duplicates)",
               err=True)


def _moved(command: click.Command, to: str) -> click.Command:
    """`command` under its old top-level name, which keeps working and says where it went."""

    def callback(**values: Any) -> Any:
        click.echo(f"note: `synthloom {command.name}` moved to `synthloom {to}`", err=True)
        return command.callback(**values)  # type: ignore[misc]

    return click.Command(command.name, params=command.params, callback=callback,
                         help=f"Moved to `synthloom {to}` (same arguments).")


score_alias = _moved(score, "selection score")


def _model_fields(items: Sequence[AlpacaItem], options: ScoringOptions, client: Any) -> list[dict[str, Any]]:
    """Score fields per item, chunk by chunk; a chunk scored by a killed earlier run comes from the store."""
    import asyncio

    from synthloom.plugins.selection.scoring import backend_tokenizer, score_items

    tokenizer = backend_tokenizer(client.backend)

    async def run() -> list[dict[str, Any]]:
        fields: list[dict[str, Any]] = []
        for start in range(0, len(items), CHUNK):
            chunk = items[start:start + CHUNK]
            scores = await score_items(chunk, options, client.score, tokenizer)
            fields += [s.fields() for s in scores]
            click.echo(f"scored {start + len(chunk)}/{len(items)}", err=True)
        return fields

    return asyncio.run(run())


def _length_fields(items: Sequence[AlpacaItem], spec: ModelSpec) -> list[dict[str, Any]]:
    """Lengths in the model's tokens: only its tokenizer is used, so no model call is made or logged."""
    from synthloom.model_session import build_backend
    from synthloom.plugins.selection.scoring import backend_tokenizer, token_lengths

    backend = build_backend(spec, where=f"--model {spec.backend}:{spec.model}")
    try:
        tokenizer = backend_tokenizer(backend)
        if tokenizer is None:
            raise synthloom.ConfigError(f"backend {spec.backend!r} has no tokenizer to count tokens with",
                                        where="synthloom selection score length",
                                        hint="use a transformers model (the embedded one, or a local path)")
        lengths = token_lengths([item.output for item in items], tokenizer)
    finally:
        backend.close()
    return [{"length": n, "unit": "tokens"} for n in lengths]


def _scoring_options(**values: Any) -> ScoringOptions:
    from pydantic import ValidationError

    from synthloom.plugins.selection.scoring import ScoringOptions

    try:
        return ScoringOptions(**values)
    except ValidationError as error:
        raise synthloom.ConfigError(error.errors()[0]["msg"], where="synthloom selection score") from None


@selection.command("compare")
@click.option("--data", "data_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The pool: ShareGPT (`conversations`) or Alpaca rows, .jsonl (streamed), .json or .parquet.")
@click.option("--selector", "selectors", multiple=True, default=("length", "random"), show_default=True,
              type=click.Choice(["length", "random", "ce", "zip", "kmeans"]),
              help="Repeat for each selector to run (ce, zip and kmeans cost more; see docs/selection.md).")
@click.option("--budget", required=True, type=click.IntRange(min=1), help="Samples each selector keeps.")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The comparison table, as JSON.")
@click.option("--picks", "picks_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Also write each selector's picked rows (best first) to DIR/SELECTOR.jsonl.")
@synthloom.model_options(help="The base model: its tokenizer counts tokens, and `ce` scores with it.")
@click.option("--store", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where `ce`'s model calls are cached (default: OUT.calls.duckdb).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of random selection and k-means.")
@click.option("--ce-order", type=click.Choice(["highest", "lowest"]), default="highest", show_default=True,
              help="Keep the highest or the lowest cross-entropy.")
@click.option("--keep-duplicates", is_flag=True, help="Do not drop exact duplicates before selecting.")
@click.option("--embedding-diversity", is_flag=True,
              help="Also measure each selection's diversity on MiniLM embeddings (embeds every pick).")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Processes that read a .jsonl pool at the same time (default: one per CPU).")
def compare(data_path: Path, selectors: tuple[str, ...], budget: int, out: Path, picks_dir: Path | None, model: str,
            options: tuple[str, ...], store: Path | None, seed: int, ce_order: str, keep_duplicates: bool,
            embedding_diversity: bool, workers: int | None) -> None:
    """Run several selectors on one pool, streamed, and compare their picks: overlap, length, diversity."""
    import asyncio
    import json
    import tempfile
    from contextlib import nullcontext

    from synthloom.plugins.selection.compare import overlap
    from synthloom.plugins.selection.embeddings import embed
    from synthloom.plugins.selection.scan import ScanOptions, describe, scan

    chosen = tuple(dict.fromkeys(selectors))
    spec = synthloom.spec_from_arg(model, options)
    scan_options = ScanOptions(budget=budget, seed=seed, dedupe=not keep_duplicates, lowest_ce=ce_order == "lowest",
                               workers=workers)
    session = (synthloom.ModelSession.for_output(spec, out, store, command="selection-compare") if "ce" in chosen
               else nullcontext())
    with tempfile.TemporaryDirectory(prefix="synthloom-compare-") as scratch, session as client:
        tokenizer = _tokenizer(spec, needed="length" in chosen, scratch=Path(scratch))
        ce = _ce_scorer(client) if client is not None else None
        result = asyncio.run(scan(data_path, chosen, scan_options, tokenizer=tokenizer, ce=ce, embed=embed,
                                  progress=_progress(100_000)))
        stats, rows = describe(data_path, result.picks, tokenizer=tokenizer,
                               embed=embed if embedding_diversity else None, keep_rows=picks_dir is not None,
                               facts=result.facts)
    table = {"pool": str(data_path), "rows": result.rows, "duplicates": result.duplicates, "budget": budget,
             "seed": seed, "length_unit": "tokens" if tokenizer is not None else "words",
             "selectors": {name: stats[name].summary() for name in result.picks},
             "overlap": overlap({name: [i for i, _ in picks] for name, picks in result.picks.items()})}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(table, indent=2) + "\n", encoding="utf-8")
    if picks_dir is not None:
        for name, picked in rows.items():
            synthloom.write_rows(picked, picks_dir / f"{name}.jsonl")
    click.echo(_render(table))


def _progress(every: int) -> Any:
    """A callback that prints the rows read each time another `every` have been read."""
    printed = [0]

    def report(rows: int) -> None:
        if rows // every > printed[0]:
            printed[0] = rows // every
            click.echo(f"read {rows:,} rows", err=True)

    return report


def _tokenizer(spec: ModelSpec, needed: bool, scratch: Path) -> Any:
    """The base model's tokenizer alone (its weights are not loaded), or None for a model without a local one.

    transformers (and torch, which it imports) would cost this process, and the workers it starts, several hundred
    MB, so a short-lived process loads the tokenizer with it and writes it to `scratch` as a plain tokenizer file
    (`baselines.TokenizerFile`); a tokenizer without a fast backend is loaded here instead."""
    if spec.backend not in ("transformers", "vllm"):
        if needed:
            raise synthloom.ConfigError(f"token length needs a local tokenizer; backend {spec.backend!r} has none",
                                        where="synthloom selection compare",
                                        hint="give --model a transformers model (the embedded one, or a folder)")
        return None
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from synthloom.backends.embedded import resolve_model_path
    from synthloom.plugins.selection.baselines import TokenizerFile

    path = resolve_model_path(spec.model)
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as helper:
        saved = helper.submit(_save_tokenizer, path, str(scratch / "tokenizer.json")).result()
    if saved is None:
        from transformers import AutoTokenizer

        return AutoTokenizer.from_pretrained(path)
    limit, pieces = saved
    return TokenizerFile(scratch / "tokenizer.json", limit, pieces)


def _save_tokenizer(path: str, target: str) -> tuple[int | None, str | None] | None:
    """In a helper process: write AutoTokenizer's fast backend to `target`; its model_max_length and piece rule."""
    import json

    from transformers import AutoTokenizer

    from synthloom.plugins.selection.baselines import piece_rule

    tokenizer = AutoTokenizer.from_pretrained(path)
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is None:
        return None
    backend.save(target, pretty=False)
    limit = getattr(tokenizer, "model_max_length", None)
    return (int(limit) if limit is not None else None), piece_rule(json.loads(backend.to_str()))


def _ce_scorer(client: Any) -> Any:
    from synthloom.plugins.selection.cross_entropy import cross_entropies
    from synthloom.plugins.selection.scoring import backend_tokenizer

    async def score(items: Any) -> list[float | None]:
        results = []
        for start in range(0, len(items), CHUNK):
            scored = await cross_entropies(items[start:start + CHUNK], client.score, backend_tokenizer(client.backend))
            results += [s.ce for s in scored]
        return results

    return score


def _render(table: dict[str, Any]) -> str:
    unit = table["length_unit"]
    lines = [f"{table['rows']} rows, {table['duplicates']} duplicates dropped, budget {table['budget']}",
             f"{'selector':<10} {'picked':>7} {'mean ' + unit:>12} {'median':>8} {'distinct-2':>10}"]
    for name, s in table["selectors"].items():
        mean = "-" if s["mean_tokens"] is None else f"{s['mean_tokens']:.1f}"
        median = "-" if s["median_tokens"] is None else f"{s['median_tokens']:g}"
        distinct = "-" if s["distinct_2"] is None else f"{s['distinct_2']:.3f}"
        lines.append(f"{name:<10} {s['picked']:>7} {mean:>12} {median:>8} {distinct:>10}")
    lines += [f"overlap {o['a']}/{o['b']}: {o['shared']} shared, Jaccard {o['jaccard']:.3f}" for o in table["overlap"]]
    return "\n".join(lines)
