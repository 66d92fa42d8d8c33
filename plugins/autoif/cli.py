"""`synthloom autoif STAGE --in FILE --out FILE`: one AutoIF stage on AutoIF's own file formats, no campaign.

These make the plugin a drop-in replacement for single reference scripts, with verifiers run in the Docker sandbox
instead of `exec` in the calling process, and models called through a `ModelSession`: cached, retried and logged in
a store beside the output, so that a rerun after a crash pays only for the replies it did not get. Heavy imports
stay inside the commands.
"""

from __future__ import annotations

import asyncio
import random
import sys
from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, TypeVar

import click

from synthloom import ConfigError, RowError, SamplingConfig, model_options, read_rows, sampling_options, write_rows

if TYPE_CHECKING:
    from synthloom import GenerateRequest, GenerateResponse, Message, ModelSession
    from synthloom.model_client import ModelClient

M = TypeVar("M", bound="Message")

IN = click.option("--in", "in_path", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
OUT = click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
                   help="The output file (.jsonl, .json or .parquet), written whole or not at all.")
STORE = click.option("--store", type=click.Path(dir_okay=False, path_type=Path), default=None,
                     help="DuckDB file caching and logging the model calls  [default: OUT.calls.duckdb]")
IMAGE = click.option("--image", default=None, help="Sandbox image (default: synthloom's).")
POOL = click.option("--pool-size", default=2, show_default=True, help="Warm sandbox containers.")
TIMEOUT = click.option("--timeout", "timeout_s", default=5.0, show_default=True, help="Seconds per call.")


def _rows(path: Path) -> list[dict[str, Any]]:
    """The usable rows of a JSONL (or JSON list, or Parquet) file; each unusable one is reported and skipped."""
    rows = []
    for row in read_rows(path, tolerant=True):
        if isinstance(row, RowError):
            click.echo(f"skipped ({row.reason}): {row}", err=True)
        else:
            rows.append(row.value)
    return rows


def _converted(path: Path, convert: Callable[[dict[str, Any]], M]) -> list[tuple[dict[str, Any], M]]:
    """Each row that `convert` turns into a message, with the message; the others are reported and skipped."""
    from synthloom.plugins.autoif.formats import converted_rows

    found = []
    for item in converted_rows(path, convert):
        if isinstance(item, RowError):
            click.echo(f"skipped ({item.reason}): {item}", err=True)
        else:
            found.append((item[0].value, item[1]))
    return found


def _sandbox(image: str | None, pool_size: int) -> Any:
    from synthloom.sandbox import DockerSandbox

    return DockerSandbox(image=image, pool_size=pool_size)


def _session(model: str, options: tuple[str, ...], out_path: Path, store: Path | None, command: str
             ) -> "ModelSession":
    from synthloom import ModelSession, spec_from_arg
    from synthloom.model_session import session_store

    return ModelSession(spec_from_arg(model, options), session_store(out_path, store), command=command)


@click.group(name="autoif")
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
    from synthloom.plugins.autoif.formats import cross_validation_row, verifier_set
    from synthloom.plugins.autoif.verification import CrossValidatorConfig, cross_validate_many, sandbox_evaluator

    cfg = CrossValidatorConfig(variant=variant, string_booleans=string_booleans, min_funcs=min_funcs,
                               min_cases=min_cases, timeout_s=timeout_s)
    sets = [item for _, item in _converted(in_path, verifier_set)]
    with _sandbox(image, pool_size) as sandbox:
        outcomes = asyncio.run(cross_validate_many([(s.instruction, s.replies, s.json_only) for s in sets],
                                                   sandbox_evaluator(sandbox, timeout_s), cfg))
    kept = []
    for outcome in outcomes:
        if outcome.verdict is not None:
            click.echo(f"dropped ({outcome.verdict.reason}: {outcome.verdict.detail}): {outcome.instruction[:80]}",
                       err=True)
        elif outcome.result is not None:
            kept.append(cross_validation_row(outcome.instruction, outcome.survivors,
                                             [(c.input, c.output) for c in outcome.result.kept_cases]))
    write_rows(kept, out_path)
    click.echo(f"{len(kept)} of {len(sets)} instructions survived cross-validation -> {out_path}")


@autoif.command("verify")
@IN
@OUT
@click.option("--pass-rate-above", default=0.0, show_default=True,
              help="Keep responses with a pass rate above this (the code: 0, the paper: 0.5).")
@click.option("--format", "out_format", type=click.Choice(["rows", "dpo", "score-prompts"]), default="rows",
              show_default=True, help="rows: one line per response with pass_rate and kept; dpo: {query, response: "
                                      "[[text, rate]]}; score-prompts: the kept responses with the quality judge's "
                                      "prompt (query_rft_score.jsonl before `generate --field gen`).")
@TIMEOUT
@IMAGE
@POOL
def verify_cmd(in_path: Path, out_path: Path, pass_rate_above: float, out_format: str, timeout_s: float,
               image: str | None, pool_size: int) -> None:
    """Step 6: query_rft.jsonl (or dpo_query_w_funcs.jsonl) -> each response with its pass rate."""
    from synthloom.plugins.autoif.formats import response_set, verified_rows
    from synthloom.plugins.autoif.verification import pass_rates_many, sandbox_evaluator

    sets = [item for _, item in _converted(in_path, response_set)]
    with _sandbox(image, pool_size) as sandbox:
        rates = asyncio.run(pass_rates_many([([f.func for f in s.eval_funcs], s.responses) for s in sets],
                                            sandbox_evaluator(sandbox, timeout_s)))
    write_rows([row for item, item_rates in zip(sets, rates)
            for row in verified_rows(item, item_rates, pass_rate_above, out_format)], out_path)
    kept = sum(p > pass_rate_above for rs in rates for p in rs)
    click.echo(f"{kept} of {sum(map(len, rates))} responses pass (> {pass_rate_above}) -> {out_path}")


@autoif.command("score-filter")
@IN
@OUT
@click.option("--score-above", default=8.0, show_default=True)
def score_filter_cmd(in_path: Path, out_path: Path, score_above: float) -> None:
    """Step 7: query_rft_score.jsonl (judge replies in `gen`) -> query_score_filter.jsonl."""
    from synthloom.plugins.autoif.parsing.decisions import quality_verdict
    from synthloom.plugins.autoif.parsing.replies import parse_score

    rows = _rows(in_path)
    kept = [r for r in rows
            if quality_verdict([parse_score(g) for g in r.get("gen") or [] if isinstance(g, str)], score_above) is None]
    write_rows(kept, out_path)
    click.echo(f"{len(kept)} of {len(rows)} samples score above {score_above} -> {out_path}")


@autoif.command("sft")
@IN
@OUT
def sft_cmd(in_path: Path, out_path: Path) -> None:
    """Step 8: query_score_filter.jsonl -> TRL conversational SFT rows (query and instruction joined)."""
    from synthloom.plugins.autoif.formats import sft_row

    rows = [sft for sft in map(sft_row, _rows(in_path)) if sft is not None]
    write_rows(rows, out_path)
    click.echo(f"{len(rows)} SFT rows -> {out_path}")


@autoif.command("dpo-pairs")
@IN
@OUT
@click.option("--seed", default=0, show_default=True)
def dpo_pairs_cmd(in_path: Path, out_path: Path, seed: int) -> None:
    """DPO step 2: dpo_query_eval_score_results.jsonl -> {instruction, positive, negative} rows."""
    from synthloom.plugins.autoif.formats import scored_query
    from synthloom.plugins.autoif.parsing.decisions import dpo_pairs

    rng = random.Random(seed)
    out = [{"instruction": item.query, "positive": c, "negative": r}
           for _, item in _converted(in_path, scored_query)
           for c, r in dpo_pairs([(x.response, x.pass_rate) for x in item.responses], rng)]
    write_rows(out, out_path)
    click.echo(f"{len(out)} DPO pairs -> {out_path}")


@autoif.command("nli-filter")
@IN
@OUT
@click.option("--judge", type=click.Choice(["model", "classifier"]), default="model", show_default=True,
              help="model: --model answers entailment/neutral/contradiction; classifier: a local NLI model.")
@model_options()
@STORE
@click.option("--nli-model", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="For --judge classifier: a local NLI classifier directory (the reference: mDeBERTa-v3-base-xnli).")
@click.option("--functions", default=3, show_default=True, help="Back-translations checked per instruction.")
def nli_filter_cmd(in_path: Path, out_path: Path, judge: str, model: str, options: tuple[str, ...],
                   store: Path | None, nli_model: Path | None, functions: int) -> None:
    """Step 4: back_trans.jsonl (`back_instruction` per row) -> the rows no back-translation contradicts."""
    from synthloom.plugins.autoif.nli import nli_labels

    if judge == "classifier" and nli_model is None:
        raise ConfigError("--judge classifier needs --nli-model, a local NLI classifier directory",
                          hint="a directory saved with save_pretrained(), e.g. an mDeBERTa-v3-base-xnli copy")
    rows = []
    for row in _rows(in_path):
        backs = row.get("back_instruction")
        if not isinstance(row.get("instruction"), str) or not isinstance(backs, list) or not backs:
            click.echo(f"skipped (no instruction or back_instruction list): {str(row)[:80]}", err=True)
            continue
        rows.append((row, [str(b) for b in backs[:functions]]))
    pairs = [(row["instruction"], back) for row, backs in rows for back in backs]
    session = _session(model, options, out_path, store, "autoif-nli-filter") if judge == "model" else nullcontext()
    with session as client:
        labels = iter(asyncio.run(nli_labels(pairs, judge, client=client, nli_model=nli_model)))
    kept = []
    for row, backs in rows:
        found = [next(labels) for _ in backs]
        if "contradiction" in found:
            click.echo(f"dropped (contradiction): {row['instruction'][:80]}", err=True)
        else:
            kept.append({**row, "nli_labels": found})
    write_rows(kept, out_path)
    click.echo(f"{len(kept)} of {len(rows)} instructions have no contradicting back-translation -> {out_path}")


@autoif.command("pair-queries")
@IN
@OUT
@click.option("--queries", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="User queries: JSONL (see --field) or one per line.")
@click.option("--field", default="query", show_default=True, help="The query's key in a JSONL queries file.")
@click.option("--per-instruction", default=16, show_default=True)
@click.option("--min-chars", default=20, show_default=True)
@click.option("--max-chars", default=300, show_default=True)
@click.option("--seed", default=0, show_default=True)
def pair_queries_cmd(in_path: Path, out_path: Path, queries: Path, field: str, per_instruction: int, min_chars: int,
                     max_chars: int, seed: int) -> None:
    """Step 5: cross_validation.jsonl (or nli-filter output) -> query_rft.jsonl rows awaiting `generate`."""
    from synthloom.plugins.autoif.formats import read_query_pool, verified_instruction
    from synthloom.plugins.autoif.prompts import respond

    pool = read_query_pool(queries, field, min_chars, max_chars)
    if not pool:
        raise ConfigError(f"no query in {str(queries)!r} is between {min_chars} and {max_chars} characters long",
                          where=str(queries), hint=f"check --field (now {field!r}) and the length limits")
    rng = random.Random(seed)
    out = [{"prompt": respond(item.instruction, q), "instruction": item.instruction, "cases": row.get("cases", []),
            "eval_func": row.get("eval_func", [])}
           for row, item in _converted(in_path, verified_instruction)
           for q in rng.sample(pool, min(per_instruction, len(pool)))]
    write_rows(out, out_path)
    click.echo(f"{len(out)} (instruction, query) prompts -> {out_path}")


@autoif.command("generate")
@IN
@OUT
@model_options()
@STORE
@click.option("--field", default="gpt-answer", show_default=True,
              help="Where the replies go: gpt-answer (responses, verifier replies) or gen (judge replies).")
@sampling_options()
@click.option("--seed", default=0, show_default=True, help="Row i is sampled with seed + i.")
@click.option("--chunk", default=64, show_default=True, type=click.IntRange(min=1),
              help="Rows per model batch; the replies of each finished batch are in the store.")
def generate_cmd(in_path: Path, out_path: Path, model: str, options: tuple[str, ...], store: Path | None, field: str,
                 sampling: SamplingConfig, seed: int, chunk: int) -> None:
    """The reference's generation step: K replies to each row's `prompt`, added to the row under --field.

    Replies are stored as each batch finishes (--store); after a crash, the same command asks the model only for
    the rows it had not answered. A row whose call failed keeps an empty list and an `error`, and is asked again by
    the next run.
    """
    rows = []
    for row in _rows(in_path):
        if isinstance(row.get("prompt"), str):
            rows.append(row)
        else:
            click.echo(f"skipped (no prompt): {str(row)[:80]}", err=True)
    requests = [sampling.request(row["prompt"], seed=seed + i) for i, row in enumerate(rows)]
    with _session(model, options, out_path, store, "autoif-generate") as client:
        replies = asyncio.run(_generate(client, requests, chunk))
    answered = [_answered(row, reply, field) for row, reply in zip(rows, replies)]
    write_rows(answered, out_path)
    failed = sum("error" in row for row in answered)
    stored = sum(reply.cached for reply in replies)
    click.echo(f"{len(rows)} rows, {failed} failed, {stored} answered from earlier runs -> {out_path}")


async def _generate(client: "ModelClient", requests: list["GenerateRequest"], chunk: int
                    ) -> list["GenerateResponse"]:
    replies: list[GenerateResponse] = []
    with click.progressbar(length=len(requests), label="generating", file=sys.stderr) as bar:
        for start in range(0, len(requests), chunk):
            part = requests[start:start + chunk]
            replies += await client.generate(part)
            bar.update(len(part))
    return replies


def _answered(row: dict[str, Any], reply: "GenerateResponse", field: str) -> dict[str, Any]:
    """The row with its replies, or with an empty list and the `error`; an error left by an earlier step goes."""
    error = reply.error or ("the prompt was longer than the model's context" if reply.truncated_prompt else None)
    row = {k: v for k, v in row.items() if k != "error"}
    return {**row, field: [], "error": error} if error else {**row, field: reply.texts()}
