"""`synthloom selection score`: IFD, reversed IFD or length of an Alpaca-format file, one record per sample, in
input order.

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
    """Select training data: score Alpaca-format samples by IFD, reversed IFD or length."""


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
