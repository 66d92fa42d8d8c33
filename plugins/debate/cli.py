"""`synthloom debate`: DEBATunE's evaluation on plain files, without a campaign.

`test-set` writes the reference's test prompts for topics with given arguments; `cc` has a judge model score any
model's responses for controversy controllability and prints CC_P, CC_N and CC_All. The judge is called through a
`ModelSession`, so every reply is logged to a store beside the output and a rerun of a killed command pays only for
the replies it had not received.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import click

import synthloom

CHUNK = 64  # responses per judge call: bounds what a crash loses and gives progress lines
OUT = click.Path(dir_okay=False, path_type=Path)


@click.group(name="debate")
def debate() -> None:
    """DEBATunE: test prompts, and the controversy-controllability (CC) metric."""


@debate.command("test-set")
@click.argument("topics", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", required=True, type=OUT, help="Where to write the prompts (.jsonl, .json or .parquet).")
@click.option("--arg-num", type=click.IntRange(min=1), default=3, show_default=True,
              help="Arguments per topic and side (the reference's test set: 3).")
def test_set(topics: Path, out: Path, arg_num: int) -> None:
    """Test prompts for TOPICS with given arguments (the reference's debate_test_v1_arg.jsonl format): one row per
    topic, side and argument, with the reference's test instruction; feed them to the model under test."""
    from synthloom.plugins.debate.dialogue import SIDES
    from synthloom.plugins.debate.formats import topic_row
    from synthloom.plugins.debate.prompts import TEST_INSTRUCTION

    rows, missing = [], 0
    for row in synthloom.read_rows(topics, objects=False):
        parsed = topic_row(row)
        for side in SIDES:
            given = parsed.arguments.get(side)
            missing += not given
            rows += [{"topic": parsed.topic, "side": side, "argument": argument,
                      "instruction": TEST_INSTRUCTION.format(side=side, topic=parsed.topic, argument=argument)}
                     for argument in (given or [])[:arg_num]]
    synthloom.write_rows(rows, out)
    note = f" ({missing} topic sides without arguments skipped)" if missing else ""
    click.echo(f"wrote {len(rows)} test prompts to {out}{note}", err=True)


@debate.command("cc")
@click.argument("responses", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@synthloom.model_options(default=None, help="The judge, BACKEND:MODEL (the reference: litellm:openai/gpt-4).")
@click.option("--out", required=True, type=OUT,
              help="Where to write each response with the judge's percentages and review (.jsonl, .json, .parquet).")
@click.option("--report", type=OUT, default=None, help="Also write the metric as JSON here.")
@click.option("--store", type=OUT, default=None,
              help="Where judge calls are cached and logged (default: OUT.calls.duckdb beside the output).")
@click.option("--unparsed", type=click.Choice(["bad", "exclude"]), default="bad", show_default=True,
              help="bad: an unparsable judge reply counts as a failure (the reference); exclude: leave it out.")
@click.option("--lenient", is_flag=True, help="Read the percentages more leniently than the reference does.")
@click.option("--limit", type=click.IntRange(min=0), default=None, help="Score only the first N responses.")
def cc(responses: Path, model: str, options: tuple[str, ...], out: Path, report: Path | None, store: Path | None,
       unparsed: str, lenient: bool, limit: int | None) -> None:
    """Score RESPONSES (rows with topic, side, response; the reference's inference output is one) with a judge
    --model, and print CC_P, CC_N and CC_All."""
    from itertools import islice

    from synthloom.plugins.debate.cc import cc_scores
    from synthloom.plugins.debate.formats import response_row
    from synthloom.plugins.debate.parsing import JudgeScore

    rows = list(islice(synthloom.read_rows(responses), limit))
    parsed = [response_row(row) for row in rows]
    spec = synthloom.spec_from_arg(model, options)
    with synthloom.ModelSession.for_output(spec, out, store, command="debate-cc") as client:
        judged = asyncio.run(_judge(client, parsed, lenient))
    records = [{**row.value, **fields} for row, fields in zip(rows, judged)]
    synthloom.write_rows(records, out)
    scores = cc_scores(((p.side, JudgeScore(f["support"], f["oppose"], f["status"])) for p, f in zip(parsed, judged)),
                       unparsed=unparsed)  # type: ignore[arg-type]
    text = json.dumps(scores.model_dump(), indent=2)
    if report is not None:
        report.write_text(text + "\n", encoding="utf-8")
    click.echo(text)
    click.echo(f"judged {len(records)} responses into {out} ({scores.unparsed} judge replies unparsed)", err=True)


async def _judge(client: Any, items: list[Any], lenient: bool) -> list[dict[str, Any]]:
    from synthloom.plugins.debate.agents.judging import JudgeConfig
    from synthloom.plugins.debate.parsing import judgement
    from synthloom.plugins.debate.prompts import judge

    cfg = JudgeConfig()
    fields: list[dict[str, Any]] = []
    for start in range(0, len(items), CHUNK):
        chunk = items[start:start + CHUNK]
        replies = await client.generate([cfg.request(judge(item.topic, item.response), seed=start + i, n=1)
                                         for i, item in enumerate(chunk)])
        fields += [judgement(item.side, reply.texts()[0], lenient=lenient) for item, reply in zip(chunk, replies)]
        click.echo(f"judged {start + len(chunk)}/{len(items)}", err=True)
    return fields
