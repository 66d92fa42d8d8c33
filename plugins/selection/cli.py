"""`synthloom score`: IFD, reversed IFD or length of an Alpaca-format file, one record per sample, in input order.

For users who want the scores without a campaign. `--compat cherry|superfiltering|reflection` reproduces that
reference script's numbers on the same model; without it, answers are located by offset mapping.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any, Iterator, Sequence

import click

from synthloom.plugins.selection.engine import AlpacaItem

CHUNK = 256  # samples per backend call: bounds what a crash loses and gives progress lines


def _chunks(items: Sequence[AlpacaItem]) -> Iterator[tuple[int, Sequence[AlpacaItem]]]:
    for start in range(0, len(items), CHUNK):
        yield start, items[start:start + CHUNK]


def model_scores(items: Sequence[AlpacaItem], options: Any, backend: Any) -> list[dict[str, Any]]:
    """Score fields per item with a loaded transformers backend, chunk by chunk."""
    from synthloom.plugins.selection.engine import score_items

    fields: list[dict[str, Any]] = []
    for start, chunk in _chunks(items):
        scores = asyncio.run(score_items(chunk, options, backend.score, backend.tokenizer))
        fields += [s.fields() for s in scores]
        click.echo(f"scored {start + len(chunk)}/{len(items)}", err=True)
    return fields


def length_scores(items: Sequence[AlpacaItem], tokenizer: Any) -> list[dict[str, Any]]:
    ids = tokenizer([item.output for item in items], add_special_tokens=False)["input_ids"] if items else []
    return [{"length": len(row), "unit": "tokens"} for row in ids]


def write_records(records: list[dict[str, Any]], out: Path) -> None:
    """JSONL for a .jsonl path, else one JSON list; NaN never appears (missing scores are null)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        if out.suffix == ".jsonl":
            for record in records:
                handle.write(json.dumps(record, ensure_ascii=False, allow_nan=False) + "\n")
        else:
            json.dump(records, handle, ensure_ascii=False, allow_nan=False, indent=1)
    tmp.replace(out)


@click.command("score")
@click.argument("metric", type=click.Choice(["ifd", "rifd", "length"]))
@click.option("--data", "data_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Alpaca-format .json (list) or .jsonl: instruction, input, output.")
@click.option("--model", default="embedded", show_default=True, help="`embedded` or a local model directory.")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the records (.jsonl: one per line; else a JSON list).")
@click.option("--compat", type=click.Choice(["cherry", "superfiltering", "reflection"]), default=None,
              help="Reproduce a reference script's template, tokens and truncation exactly.")
@click.option("--template", type=click.Choice(["alpaca", "none", "vicuna", "wiz"]), default=None,
              help="Prompt template (default: the compat mode's, else alpaca).")
@click.option("--max-length", type=int, default=None, help="Context cut (default: the compat mode's, else 2048).")
@click.option("--dtype", type=click.Choice(["auto", "float32", "bfloat16"]), default="auto", show_default=True)
@click.option("--batch-size", type=int, default=16, show_default=True, help="Sequences per forward pass.")
@click.option("--limit", type=int, default=None, help="Score only the first N samples.")
def score(metric: str, data_path: Path, model: str, out: Path, compat: str | None, template: str | None,
          max_length: int | None, dtype: str, batch_size: int, limit: int | None) -> None:
    """Score an Alpaca-format file: IFD, reversed IFD (with IFD, as the reference computes both), or length."""
    from synthloom.plugins.selection.data import read_alpaca
    from synthloom.plugins.selection.rules import duplicates

    items = read_alpaca(data_path, limit)
    if metric == "length":
        from transformers import AutoTokenizer

        from synthloom.backends.transformers_backend import resolve_model_path

        fields = length_scores(items, AutoTokenizer.from_pretrained(resolve_model_path(model)))
    else:
        from synthloom.backends.base import ModelSpec
        from synthloom.backends.transformers_backend import create

        options = _options(compat=compat, template=template, max_length=max_length, reverse=metric == "rifd")
        backend = create(ModelSpec(backend="transformers", model=model, dtype=dtype, batch_size=batch_size))
        fields = model_scores(items, options, backend)
    repeated = duplicates([(i.instruction, i.input, i.output) for i in items])
    records = [{"index": i, **f, "duplicate_of": repeated.get(i)} for i, f in enumerate(fields)]
    write_records(records, out)
    skipped = sum(1 for r in records if r.get("reason"))
    click.echo(f"wrote {len(records)} records to {out} ({skipped} without a score, {len(repeated)} duplicates)",
               err=True)


def _options(**values: Any) -> Any:
    from pydantic import ValidationError

    from synthloom.errors import ConfigError
    from synthloom.plugins.selection.engine import ScoringOptions

    try:
        return ScoringOptions(**values)
    except ValidationError as error:
        raise ConfigError(error.errors()[0]["msg"], where="synthloom score") from None
