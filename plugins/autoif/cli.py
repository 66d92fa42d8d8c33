"""`synthloom autoif STAGE --in FILE --out FILE`: one AutoIF stage on AutoIF's own file formats, no campaign.

These make the plugin a drop-in replacement for single reference scripts, with verifiers run in the Docker sandbox
instead of `exec` in the calling process. Heavy imports stay inside the commands.
"""

from __future__ import annotations

import asyncio
import random
from pathlib import Path
from typing import Any

import click


def _rows(path: Path) -> list[dict[str, Any]]:
    from synthloom.plugins.autoif.formats import RowError, read_jsonl

    rows = []
    for _, row in read_jsonl(path):
        if isinstance(row, RowError):
            click.echo(f"skipped: {row.detail}", err=True)
        else:
            rows.append(row)
    return rows


def _sandbox(image: str | None, pool_size: int) -> Any:
    from synthloom.sandbox import DockerSandbox

    return DockerSandbox(image=image, pool_size=pool_size)


IN = click.option("--in", "in_path", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
OUT = click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False, path_type=Path))
IMAGE = click.option("--image", default=None, help="Sandbox image (default: synthloom's).")
POOL = click.option("--pool-size", default=2, show_default=True, help="Warm sandbox containers.")
TIMEOUT = click.option("--timeout", "timeout_s", default=5.0, show_default=True, help="Seconds per call.")


@click.group()
def autoif() -> None:
    """AutoIF stages on AutoIF's own JSONL files (QwenLM/AutoIF formats)."""


@autoif.command("cross-validate")
@IN
@OUT
@click.option("--variant", type=click.Choice(["code", "paper"]), default="code", show_default=True,
              help="code: a case needs one agreeing function, functions need accuracy >= 0.8; paper: > 0.5 both.")
@click.option("--string-booleans", type=click.Choice(["reference", "coerce"]), default="reference",
              show_default=True, help='reference: outputs "true"/"false" never match a boolean; coerce: read them.')
@click.option("--min-funcs", default=3, show_default=True)
@click.option("--min-cases", default=10, show_default=True)
@TIMEOUT
@IMAGE
@POOL
def cross_validate_cmd(in_path: Path, out_path: Path, variant: str, string_booleans: str, min_funcs: int,
                       min_cases: int, timeout_s: float, image: str | None, pool_size: int) -> None:
    """Step 3: eval_func_rft.jsonl (with `gpt-answer` replies) -> cross_validation.jsonl."""
    from synthloom.plugins.autoif.execution import sandbox_evaluator
    from synthloom.plugins.autoif.formats import cross_validation_row, write_jsonl
    from synthloom.plugins.autoif.stages import CrossValidationParams, cross_validate_many

    params = CrossValidationParams(variant=variant, string_booleans=string_booleans, min_funcs=min_funcs,
                                   min_cases=min_cases, timeout_s=timeout_s)
    rows = [r for r in _rows(in_path) if isinstance(r.get("instruction"), str)]
    with _sandbox(image, pool_size) as sandbox:
        outcomes = asyncio.run(cross_validate_many([(r["instruction"], r.get("gpt-answer") or []) for r in rows],
                                                   sandbox_evaluator(sandbox, timeout_s), params))
    kept = []
    for outcome in outcomes:
        if outcome.reason is not None:
            click.echo(f"dropped ({outcome.reason}: {outcome.detail}): {outcome.instruction[:80]}", err=True)
            continue
        assert outcome.result is not None
        kept.append(cross_validation_row(outcome.instruction, outcome.survivors,
                                         [(c.input, c.output) for c in outcome.result.kept_cases]))
    write_jsonl(kept, out_path)
    click.echo(f"{len(kept)} of {len(rows)} instructions survived cross-validation -> {out_path}")


@autoif.command("verify")
@IN
@OUT
@click.option("--pass-rate-above", default=0.0, show_default=True,
              help="Keep responses with a pass rate above this (the code: 0, the paper: 0.5).")
@click.option("--format", "out_format", type=click.Choice(["rows", "dpo"]), default="rows", show_default=True,
              help="rows: one line per response with pass_rate and kept; dpo: {query, response: [[text, rate]]}.")
@TIMEOUT
@IMAGE
@POOL
def verify_cmd(in_path: Path, out_path: Path, pass_rate_above: float, out_format: str, timeout_s: float,
               image: str | None, pool_size: int) -> None:
    """Step 6: query_rft.jsonl (or dpo_query_w_funcs.jsonl) -> each response with its pass rate."""
    from synthloom.plugins.autoif.execution import sandbox_evaluator
    from synthloom.plugins.autoif.formats import RowError, response_set, write_jsonl
    from synthloom.plugins.autoif.stages import pass_rates_many

    sets = []
    for row in _rows(in_path):
        try:
            sets.append(response_set(row))
        except RowError as error:
            click.echo(f"skipped ({error.reason}): {error.detail}", err=True)
    with _sandbox(image, pool_size) as sandbox:
        rates = asyncio.run(pass_rates_many([([f.func for f in s.eval_funcs], s.responses) for s in sets],
                                            sandbox_evaluator(sandbox, timeout_s)))
    out: list[dict[str, Any]] = []
    for item, item_rates in zip(sets, rates):
        if out_format == "dpo":
            out.append({"query": item.query, "response": [[r, p] for r, p in zip(item.responses, item_rates)]})
        else:
            out += [{"instruction": item.instruction, "query": item.query, "response": r, "pass_rate": p,
                     "kept": p > pass_rate_above} for r, p in zip(item.responses, item_rates)]
    write_jsonl(out, out_path)
    kept = sum(p > pass_rate_above for rs in rates for p in rs)
    click.echo(f"{kept} of {sum(map(len, rates))} responses pass (> {pass_rate_above}) -> {out_path}")


@autoif.command("score-filter")
@IN
@OUT
@click.option("--score-above", default=8.0, show_default=True)
def score_filter_cmd(in_path: Path, out_path: Path, score_above: float) -> None:
    """Step 7: query_rft_score.jsonl (judge replies in `gen`) -> query_score_filter.jsonl."""
    from synthloom.plugins.autoif.cross_validation import mean_score
    from synthloom.plugins.autoif.formats import write_jsonl
    from synthloom.plugins.autoif.parsing import parse_score

    rows = _rows(in_path)
    kept = [r for r in rows if mean_score([parse_score(g) for g in r.get("gen") or [] if isinstance(g, str)])
            > score_above]
    write_jsonl(kept, out_path)
    click.echo(f"{len(kept)} of {len(rows)} samples score above {score_above} -> {out_path}")


@autoif.command("sft")
@IN
@OUT
def sft_cmd(in_path: Path, out_path: Path) -> None:
    """Step 8: query_score_filter.jsonl -> TRL conversational SFT rows (query and instruction joined)."""
    from synthloom.plugins.autoif.formats import write_jsonl
    from synthloom.plugins.autoif.kinds import join_query_instruction

    rows = [{"messages": [{"role": "user", "content": join_query_instruction(r["query"], r["instruction"])},
                          {"role": "assistant", "content": r["response"]}]}
            for r in _rows(in_path) if all(isinstance(r.get(k), str) for k in ("query", "instruction", "response"))]
    write_jsonl(rows, out_path)
    click.echo(f"{len(rows)} SFT rows -> {out_path}")


@autoif.command("dpo-pairs")
@IN
@OUT
@click.option("--seed", default=0, show_default=True)
def dpo_pairs_cmd(in_path: Path, out_path: Path, seed: int) -> None:
    """DPO step 2: dpo_query_eval_score_results.jsonl -> {instruction, positive, negative} rows."""
    from synthloom.plugins.autoif.cross_validation import dpo_pairs
    from synthloom.plugins.autoif.formats import RowError, scored_query, write_jsonl

    rng = random.Random(seed)
    out = []
    for row in _rows(in_path):
        try:
            item = scored_query(row)
        except RowError as error:
            click.echo(f"skipped ({error.reason}): {error.detail}", err=True)
            continue
        out += [{"instruction": item.query, "positive": c, "negative": r}
                for c, r in dpo_pairs([(x.response, x.pass_rate) for x in item.responses], rng)]
    write_jsonl(out, out_path)
    click.echo(f"{len(out)} DPO pairs -> {out_path}")
