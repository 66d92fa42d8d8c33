"""`synthloom mctune prepare | generate | eval`: MCTune on plain files, without a campaign.

`prepare` turns an Alpaca-format file into tagged training rows (prompt/completion, ready for `synthloom train
sft`) and test rows; `generate` answers the test rows with a model; `eval` re-measures the answers and reports how
many tags they met.
"""

from __future__ import annotations

import asyncio
import json
import random
from dataclasses import asdict
from itertools import islice
from pathlib import Path
from typing import Any

import click

import synthloom

FILE = click.Path(dir_okay=False, path_type=Path)


@click.group(name="mctune")
def mctune() -> None:
    """MCTune: linguistic-complexity controls as tags (tagged SFT data and its evaluation)."""


@mctune.command()
@click.option("--data", "data_path", required=True, type=FILE, help="Alpaca-format file: instruction, input, output.")
@click.option("--train", "train_path", required=True, type=FILE, help="Training rows (.jsonl/.json/.parquet).")
@click.option("--test", "test_path", required=True, type=FILE, help="Test rows (targets, no response).")
@click.option("--test-size", type=click.IntRange(min=0), default=2000, show_default=True,
              help="Responses held out for the test split.")
@click.option("--max-tags", type=click.IntRange(1, 14), default=5, show_default=True)
@click.option("--test-augmentations", type=click.IntRange(min=1), default=5, show_default=True)
@click.option("--scale", type=click.FloatRange(min=0), default=0.1, show_default=True,
              help="Test noise in standard deviations.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--limit", type=int, default=None, help="Use only the first N samples.")
def prepare(data_path: Path, train_path: Path, test_path: Path, test_size: int, max_tags: int,
            test_augmentations: int, scale: float, seed: int, limit: int | None) -> None:
    """Measure each response and write tagged training and test examples (the reference's prepare_data.py)."""
    from synthloom.plugins.mctune.augment import AugmentSettings, Measured, augment
    from synthloom.plugins.mctune.nlp import measure
    from synthloom.plugins.mctune.parsing import usable
    from synthloom.plugins.mctune.prompts import render
    from synthloom.plugins.selection.parsing import alpaca_item

    items = [alpaca_item(row) for row in islice(synthloom.read_rows(data_path, objects=False), limit)]
    items = [i for i in items if i.output.strip()]
    measured = [Measured(i.instruction, i.input, i.output, values)
                for i, values in zip(items, measure([i.output for i in items])) if usable(values)]
    settings = AugmentSettings(test_size=test_size, max_tags=max_tags, test_augmentations=test_augmentations,
                               scale=scale)
    examples = augment(measured, [random.Random(f"{seed}:{i}") for i in range(len(measured))],
                       random.Random(seed), settings)
    train, test = [], []
    for example in examples:
        row = {k: v for k, v in asdict(example).items() if k not in ("split", "source")}
        row["prompt"] = render(example.instruction, example.input)
        if example.split == "train":
            train.append({**row, "completion": example.output})
        else:
            test.append(row)
    synthloom.write_rows(train, train_path)
    synthloom.write_rows(test, test_path)
    click.echo(f"{len(items) - len(measured)} of {len(items)} non-empty responses dropped (reading ease above "
               f"121.22); wrote {len(train)} training rows to {train_path} and {len(test)} test rows to {test_path}",
               err=True)


@mctune.command()
@click.option("--data", "data_path", required=True, type=FILE, help="Test rows from `prepare` (or the campaign).")
@click.option("--out", required=True, type=FILE, help="The rows with a `response` field.")
@synthloom.model_options()
@synthloom.sampling_options(synthloom.SamplingConfig.with_defaults(temperature=0.0, max_tokens=1024))
@click.option("--store", type=FILE, default=None, help="Where calls are cached (default: OUT.calls.duckdb).")
@click.option("--limit", type=int, default=None)
def generate(data_path: Path, out: Path, model: str, options: tuple[str, ...], sampling: Any, store: Path | None,
             limit: int | None) -> None:
    """Answer test rows with a model, prompted as the reference prompts (greedy, 1,024 tokens by default)."""
    from synthloom.plugins.mctune.prompts import render

    rows = [row.value for row in islice(synthloom.read_rows(data_path), limit)]
    requests = [sampling.request(row.get("prompt") or render(row["instruction"], row["input"]), seed=i,
                                 style="completion") for i, row in enumerate(rows)]
    spec = synthloom.spec_from_arg(model, options)
    with synthloom.ModelSession.for_output(spec, out, store, command="mctune-generate") as client:
        replies = asyncio.run(client.generate(requests))
    synthloom.write_rows([{**row, "response": reply.texts()[0]} for row, reply in zip(rows, replies)], out)
    click.echo(f"wrote {len(rows)} responses to {out}", err=True)


@mctune.command("eval")
@click.option("--data", "data_path", required=True, type=FILE,
              help="Rows with selected_tags, tag_values and a response (from `generate` or mctune.response).")
@click.option("--response-field", default="response", show_default=True)
@click.option("--out", type=FILE, default=None, help="Also write the report and per-example results as JSON.")
def evaluate(data_path: Path, response_field: str, out: Path | None) -> None:
    """Re-measure each response and report the zero-one score, strictly and loosely followed rates, and per tag
    accuracy, MAE and MSE (the reference's eval.py)."""
    from synthloom.plugins.mctune.metrics import report, score
    from synthloom.plugins.mctune.nlp import measure

    rows = [row.value for row in synthloom.read_rows(data_path)]
    for index, row in enumerate(rows):
        missing = [f for f in ("selected_tags", "tag_values", response_field) if f not in row]
        if missing:
            raise synthloom.ConfigError(f"row {index + 1} has no {', '.join(missing)}", where=str(data_path),
                                        hint="use the rows `synthloom mctune generate` writes")
    measured = measure([row[response_field] or "" for row in rows])
    scored = [score(row["selected_tags"], row["tag_values"], values) for row, values in zip(rows, measured)]
    result = report(scored)
    if not result.examples:
        raise synthloom.ConfigError("no rows to evaluate", where=str(data_path))
    click.echo(f"examples {result.examples}  zero-one {result.zero_one_score:.4f}  strictly followed "
               f"{result.strictly_followed:.4f}  loosely followed {result.loosely_followed:.4f}")
    for tag, count in result.count_per_tag.items():
        if count:
            click.echo(f"  {tag:<14} n={count:<5} accuracy {result.accuracy_per_tag[tag]:.3f}  "
                       f"MAE {result.mae_per_tag[tag]:.3f}  MSE {result.mse_per_tag[tag]:.3f}")
    if out is not None:
        examples = [{**row, "predicted_tag_values": s.measured, "matches": s.matches} for row, s in zip(rows, scored)]
        document = {**asdict(result), "per_example_results": examples}
        out.write_text(json.dumps(document, indent=2), encoding="utf-8")

