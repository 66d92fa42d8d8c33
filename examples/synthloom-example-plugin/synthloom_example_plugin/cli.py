"""`synthloom example_plugin ...`: the plugin's commands, for plain files without a campaign."""

from __future__ import annotations

import asyncio
from pathlib import Path

import click

import synthloom


@click.group(name="example_plugin")
def example_plugin() -> None:
    """Commands of the example_plugin plugin."""


@example_plugin.command()
@click.option("--in", "in_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Prompts: .jsonl, .json (a list) or .parquet rows with an `instruction` field.")
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write {instruction, paraphrase} rows (.jsonl, .json or .parquet).")
@click.option("--store", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where the model calls are logged and cached (default: OUT.calls.duckdb); rerun to resume.")
@synthloom.model_options()
def paraphrase(in_path: Path, out_path: Path, store: Path | None, model: str, options: tuple[str, ...]) -> None:
    """Paraphrase every instruction of a file with --model."""
    from synthloom_example_plugin.agents import ParaphraseConfig
    from synthloom_example_plugin.parsing import clean_paraphrase

    rows = [row.value for row in synthloom.read_rows(in_path)]
    cfg = ParaphraseConfig()
    requests = [cfg.request(cfg.template.format(instruction=row["instruction"]), seed=index)
                for index, row in enumerate(rows)]
    spec = synthloom.spec_from_arg(model, options)
    with synthloom.ModelSession.for_output(spec, out_path, store, command="example_plugin-paraphrase") as client:
        responses = asyncio.run(client.generate(requests))
    out = [{"instruction": row["instruction"], "paraphrase": clean_paraphrase(response.texts()[0])}
           for row, response in zip(rows, responses)]
    synthloom.write_rows(out, out_path)
    click.echo(f"{len(out)} paraphrases -> {out_path}")
