"""`synthloom genqa`: `generate` runs GenQA's generator prompts until a target number of distinct pairs exists (a
killed run, run again, replays its calls from the store for free and goes on); `dedupe` applies the paper's
deduplication to a file and reports the distinct count."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path
from typing import Any

import click

import synthloom
from synthloom.plugins.genqa import prompts


@click.group(name="genqa")
def genqa() -> None:
    """GenQA: instruction data from generator prompts."""


@genqa.command("generate")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The pairs: .jsonl, .json or .parquet.")
@click.option("--target", required=True, type=click.IntRange(min=1), help="Distinct pairs wanted.")
@click.option("--variant", type=click.Choice(list(prompts.TEMPLATES)), default="generator_nested",
              show_default=True)
@click.option("--topics", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Topic list (one per line) for the conditional variants.")
@click.option("--max-calls", type=click.IntRange(min=1), default=None, help="Give up after N calls (4 x target).")
@click.option("--booster", default=prompts.DEFAULT_BOOSTER, show_default=True,
              help="Closing sentence of the prompt; '' for none.")
@click.option("--random-booster", is_flag=True, help="Draw the booster per call from the paper's list.")
@click.option("--sizes", nargs=2, type=click.IntRange(min=1), default=None, help="List sizes (paper: 40, or 60 60).")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--store", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where model calls are cached (default: OUT.calls.duckdb).")
@synthloom.sampling_options(synthloom.SamplingConfig.with_defaults(temperature=1.0, max_tokens=2048))
@synthloom.model_options()
def generate_cmd(out: Path, target: int, variant: str, topics: Path | None, max_calls: int | None, booster: str,
                 random_booster: bool, sizes: tuple[int, int] | None, seed: int, store: Path | None,
                 sampling: synthloom.SamplingConfig, model: str, options: tuple[str, ...]) -> None:
    """Ask generator prompts until TARGET distinct question/answer pairs exist."""
    from synthloom.plugins.genqa import generation
    from synthloom.plugins.genqa.agents import read_topics

    settings = generation.Settings(variant=variant, sampling=sampling,  # type: ignore[arg-type]
                                   topics=read_topics(topics) if topics else (), booster=booster or None,
                                   random_booster=random_booster, sizes=sizes)
    pairs: list[dict[str, Any]] = []
    drops: Counter[str] = Counter()
    calls = 0

    async def run(client: Any) -> None:
        nonlocal calls
        async for found in generation.generate(client, settings, seed, target=target, max_calls=max_calls or
                                               4 * target):
            calls = found.call.number + 1
            if isinstance(found, generation.Dropped):
                drops[found.drop.reason] += 1
            else:
                c = found.call
                pairs.append({"question": found.qa.question, "answer": found.qa.answer, "variant": variant,
                              "call": c.number, "topic": c.topic, "n1": c.n1, "n2": c.n2, "booster": c.booster,
                              "dedup_key": found.key})

    with synthloom.ModelSession.for_output(synthloom.spec_from_arg(model, options), out, store,
                                           command="genqa-generate") as client:
        asyncio.run(run(client))
    synthloom.write_rows(pairs, out)
    dropped = ", ".join(f"{reason} {n}" for reason, n in drops.most_common()) or "none"
    click.echo(f"{len(pairs)} distinct pairs from {calls} calls (dropped: {dropped})", err=True)


@genqa.command("dedupe")
@click.option("--data", "data_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Rows with a question field: .jsonl, .json or .parquet.")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--field", default="question", show_default=True, help="The question's field.")
def dedupe_cmd(data_path: Path, out: Path, field: str) -> None:
    """Keep the first row per question, by exact match on its first two sentences (the paper's rule)."""
    from synthloom.plugins.genqa.parsing import dedup_key

    seen: set[str] = set()
    kept, total = [], 0
    for row in synthloom.read_rows(data_path):
        total += 1
        question = row.value.get(field)  # type: ignore[union-attr]
        if not isinstance(question, str):
            raise synthloom.ConfigError(f"row has no string field {field!r}", where=row.where,  # type: ignore
                                        hint="name the question's field with --field")
        key = dedup_key(question)
        if key not in seen:
            seen.add(key)
            kept.append(row.value)  # type: ignore[union-attr]
    synthloom.write_rows(kept, out)
    click.echo(f"{len(kept)} distinct of {total} rows ({total - len(kept)} duplicates)", err=True)
