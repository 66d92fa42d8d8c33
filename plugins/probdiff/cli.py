"""`synthloom probdiff`: ProbDiff on plain files. `evaluate` runs one model's self-evaluation; `compare` ranks two
or more models on the same queries (evaluating each, or reading `evaluate`'s files), per query and overall.

Model calls go through a model session (cached, retried, logged to OUT.calls.duckdb beside the output), a chunk of
queries at a time, so a command killed halfway and run again pays only for what it had not received.
"""

from __future__ import annotations

import asyncio
import json
from itertools import islice
from pathlib import Path
from typing import Any, Sequence

import click

import synthloom
from synthloom.cli.model_option import MODEL_HELP

CHUNK = 64


def _query_options(command: Any) -> Any:
    for option in reversed([
        click.option("--field", default="instruction", show_default=True, help="The query's field in each row."),
        click.option("--limit", type=click.IntRange(min=1), default=None, help="Only the first N queries."),
        click.option("--iterations", type=click.IntRange(min=1), default=1, show_default=True,
                     help="Revisions per answer, each rewriting the one before (the reference: 1)."),
        click.option("--rewriter", type=click.Choice(["default", "translation"]), default="default",
                     show_default=True, help="The reference's Response Rewriter, or its translation variant."),
        click.option("--prefix", default="auto", show_default=True,
                     help="What scores are conditioned on: auto (the model's chat prompt), wizardlm, tulu, yi, "
                          "llama2, chatml, or a template with {query}."),
        click.option("--seed", type=int, default=0, show_default=True, help="Seeds the answers and revisions."),
        click.option("--store", type=click.Path(dir_okay=False, path_type=Path), default=None,
                     help="Where model calls are cached (default: OUT.calls.duckdb)."),
    ]):
        command = option(command)
    return command


@click.group(name="probdiff")
def probdiff() -> None:
    """ProbDiff: models evaluate themselves by the probability gap between their answer and its revision."""


@probdiff.command("evaluate")
@click.option("--data", "data_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Queries: .jsonl, .json (a list) or .parquet rows.")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="One evaluation per query: .jsonl, .json or .parquet.")
@synthloom.model_options()
@_query_options
def evaluate_cmd(data_path: Path, out: Path, model: str, options: tuple[str, ...], **settings: Any) -> None:
    """One model answers, rewrites and scores every query of a file."""
    spec = synthloom.spec_from_arg(model, options)
    records = _evaluate(model, spec, _queries(data_path, settings), out, settings)
    synthloom.write_rows(records, out)
    _echo_counts(records)


@probdiff.command("compare")
@click.argument("evaluations", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--data", "data_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Queries to evaluate every --model on.")
@click.option("--model", "models", multiple=True, help=MODEL_HELP + " Repeat for each model.")
@click.option("-o", "--option", "options", multiple=True, metavar="KEY=VALUE",
              help="A backend option for every --model, as in a campaign file.")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The ranking, per query and overall, as JSON.")
@click.option("--threshold", type=click.FloatRange(min=0), default=0.05, show_default=True,
              help="ProbDiff differences up to this are ties (the reference's 0.05).")
@_query_options
def compare_cmd(evaluations: tuple[Path, ...], data_path: Path | None, models: tuple[str, ...],
                options: tuple[str, ...], out: Path, threshold: float, **settings: Any) -> None:
    """Rank models on the same queries: evaluate each --model on --data, and/or read `evaluate`'s files."""
    from synthloom.plugins.probdiff.ranking import rank_records

    if models and data_path is None:
        raise synthloom.ConfigError("--model needs --data, the queries to evaluate it on",
                                    where="synthloom probdiff compare")
    records: list[dict[str, Any]] = []
    for path in evaluations:
        records += [row.value for row in synthloom.read_rows(path)]  # type: ignore[union-attr]
    if models:
        queries = _queries(data_path, settings)  # type: ignore[arg-type]
        for name in models:
            records += _evaluate(name, synthloom.spec_from_arg(name, options), queries, out, settings)
    table = rank_records(records, threshold)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(table, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    click.echo(_render(table))


def _queries(path: Path, settings: dict[str, Any]) -> list[str]:
    field = settings["field"]
    queries = []
    for row in islice(synthloom.read_rows(path), settings["limit"]):
        value = row.value.get(field)  # type: ignore[union-attr]
        if not isinstance(value, str):
            raise synthloom.ConfigError(f"row has no string field {field!r}", where=row.where,  # type: ignore
                                        hint="name the query's field with --field")
        queries.append(value)
    return queries


def _evaluate(name: str, spec: Any, queries: Sequence[str], out: Path, settings: dict[str, Any]) -> list[dict]:
    from synthloom.plugins.probdiff.evaluation import Settings, evaluate

    chosen = Settings(iterations=settings["iterations"], rewriter=settings["rewriter"], prefix=settings["prefix"])
    records: list[dict[str, Any]] = []
    with synthloom.ModelSession.for_output(spec, out, settings["store"], command="probdiff") as client:
        for start in range(0, len(queries), CHUNK):
            chunk = queries[start:start + CHUNK]
            seeds = [settings["seed"] + start + i for i in range(len(chunk))]
            found = asyncio.run(evaluate(client, chunk, seeds, chosen))
            records += [{"index": start + i, "model": name, **f} for i, f in enumerate(found)]
            click.echo(f"{name}: evaluated {start + len(chunk)}/{len(queries)}", err=True)
    return records


def _echo_counts(records: Sequence[dict[str, Any]]) -> None:
    good = sum(r["label"] == "good" for r in records)
    unusual = sum(r["status"] != "ok" for r in records)
    click.echo(f"{len(records)} queries: {good} good / {len(records) - good} bad (gap >= -0.05), "
               f"{unusual} with an empty or refused text", err=True)


def _render(table: dict[str, Any]) -> str:
    lines = [f"{table['queries']} queries compared ({table['incomplete']} left out: not evaluated by every model), "
             f"tie threshold {table['tie_threshold']}",
             f"{'rank':>4} {'model':<30} {'mean':>8} {'good':>5} {'bad':>5} {'wins':>5} {'ties':>5} {'losses':>6}"]
    for row in table["models"]:
        mean = "-" if row["mean_probdiff"] is None else f"{row['mean_probdiff']:.4f}"
        lines.append(f"{row['rank']:>4} {row['model']:<30} {mean:>8} {row['good']:>5} {row['bad']:>5} "
                     f"{row['wins']:>5} {row['ties']:>5} {row['losses']:>6}")
    return "\n".join(lines)
