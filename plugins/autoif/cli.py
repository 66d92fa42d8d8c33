"""`synthloom autoif STAGE --in FILE --out FILE`: one AutoIF stage on AutoIF's own file formats, no campaign.

These make the plugin a drop-in replacement for single reference scripts, with verifiers run in the Docker sandbox
instead of `exec` in the calling process. Heavy imports stay inside the commands.
"""

from __future__ import annotations

import asyncio
import os
import random
import sys
from pathlib import Path
from typing import Any

import click

from synthloom.backends.cli import MODEL_OPTIONS, backend_from_arg
from synthloom.errors import ConfigError


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
    from synthloom.plugins.autoif.execution import sandbox_evaluator
    from synthloom.plugins.autoif.formats import RowError, response_set, write_jsonl
    from synthloom.plugins.autoif.prompts import quality_judge
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
        elif out_format == "score-prompts":
            out += [{"instruction": item.instruction, "query": item.query, "response": r,
                     "prompt": quality_judge(item.instruction, item.query, r)}
                    for r, p in zip(item.responses, item_rates) if p > pass_rate_above]
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


MODEL = click.option("--model", "model", default="embedded", show_default=True,
                     help="BACKEND:MODEL, e.g. litellm:openai/gpt-4o-mini or vllm:/models/x; a bare name or "
                          "directory (or `embedded`) uses the transformers backend.")


@autoif.command("nli-filter")
@IN
@OUT
@click.option("--judge", type=click.Choice(["model", "classifier"]), default="model", show_default=True,
              help="model: --model answers entailment/neutral/contradiction; classifier: a local NLI model.")
@MODEL
@MODEL_OPTIONS
@click.option("--nli-model", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="For --judge classifier: a local NLI classifier directory (the reference: mDeBERTa-v3-base-xnli).")
@click.option("--functions", default=3, show_default=True, help="Back-translations checked per instruction.")
def nli_filter_cmd(in_path: Path, out_path: Path, judge: str, model: str, options: tuple[str, ...],
                   nli_model: Path | None, functions: int) -> None:
    """Step 4: back_trans.jsonl (`back_instruction` per row) -> the rows no back-translation contradicts."""
    from synthloom.plugins.autoif.formats import write_jsonl
    from synthloom.plugins.autoif.nli import nli_labels

    if judge == "classifier" and nli_model is None:
        raise ConfigError("--judge classifier needs --nli-model, a local NLI classifier directory")
    rows = []
    for row in _rows(in_path):
        backs = row.get("back_instruction")
        if not isinstance(row.get("instruction"), str) or not isinstance(backs, list) or not backs:
            click.echo(f"skipped (no instruction or back_instruction list): {str(row)[:80]}", err=True)
            continue
        rows.append((row, [str(b) for b in backs[:functions]]))
    pairs = [(row["instruction"], back) for row, backs in rows for back in backs]
    backend = backend_from_arg(model, options) if judge == "model" else None
    try:
        labels = iter(asyncio.run(nli_labels(pairs, judge, client=backend, nli_model=nli_model)))
    finally:
        if backend is not None:
            backend.close()
    kept = []
    for row, backs in rows:
        found = [next(labels) for _ in backs]
        if "contradiction" in found:
            click.echo(f"dropped (contradiction): {row['instruction'][:80]}", err=True)
        else:
            kept.append({**row, "nli_labels": found})
    write_jsonl(kept, out_path)
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
    from synthloom.plugins.autoif.formats import RowError, read_query_pool, verified_instruction, write_jsonl
    from synthloom.plugins.autoif.prompts import respond

    pool = read_query_pool(queries, field, min_chars, max_chars)
    if not pool:
        raise ConfigError(f"no query in {str(queries)!r} is between {min_chars} and {max_chars} characters long",
                          where=str(queries), hint=f"check --field (now {field!r}) and the length limits")
    rng = random.Random(seed)
    out = []
    for row in _rows(in_path):
        try:
            item = verified_instruction(row)
        except RowError as error:
            click.echo(f"skipped ({error.reason}): {error.detail}", err=True)
            continue
        out += [{"prompt": respond(item.instruction, q), "instruction": item.instruction, "cases": row.get("cases", []),
                 "eval_func": row.get("eval_func", [])}
                for q in rng.sample(pool, min(per_instruction, len(pool)))]
    write_jsonl(out, out_path)
    click.echo(f"{len(out)} (instruction, query) prompts -> {out_path}")


@autoif.command("generate")
@IN
@OUT
@MODEL
@MODEL_OPTIONS
@click.option("--field", default="gpt-answer", show_default=True,
              help="Where the replies go: gpt-answer (responses, verifier replies) or gen (judge replies).")
@click.option("--samples", default=1, show_default=True, type=click.IntRange(min=1), help="Replies per prompt.")
@click.option("--temperature", default=0.7, show_default=True, type=click.FloatRange(min=0))
@click.option("--top-p", default=1.0, show_default=True, type=click.FloatRange(0, 1, min_open=True))
@click.option("--max-tokens", default=512, show_default=True, type=click.IntRange(min=1))
@click.option("--seed", default=0, show_default=True, help="Row i is sampled with seed + i.")
@click.option("--chunk", default=64, show_default=True, type=click.IntRange(min=1),
              help="Rows per batch; each finished batch is saved, and a rerun resumes after it.")
def generate_cmd(in_path: Path, out_path: Path, model: str, options: tuple[str, ...], field: str, samples: int,
                 temperature: float, top_p: float, max_tokens: int, seed: int, chunk: int) -> None:
    """The reference's generation step: K replies to each row's `prompt`, added to the row under --field.

    Rows are written as their batch finishes to OUT.partial, which becomes OUT at the end; after a crash the same
    command resumes after the last saved row. A row whose call failed keeps an empty list and an `error`.
    """
    rows = []
    for row in _rows(in_path):
        if isinstance(row.get("prompt"), str):
            rows.append(row)
        else:
            click.echo(f"skipped (no prompt): {str(row)[:80]}", err=True)
    partial = out_path.with_name(out_path.name + ".partial")
    done, failed_before = _saved_rows(partial, rows, field)
    if done:
        click.echo(f"resuming after {done} saved row(s) in {partial}", err=True)
    from synthloom.plugins.autoif.agents import SamplingConfig

    sampling = SamplingConfig(samples=samples, temperature=temperature, top_p=top_p, max_tokens=max_tokens)
    backend = backend_from_arg(model, options)
    try:
        failed = asyncio.run(_generate(backend, rows, done, partial, field, chunk, sampling, seed))
    finally:
        backend.close()
    os.replace(partial, out_path)
    click.echo(f"{len(rows)} rows, {failed_before + failed} failed -> {out_path}")


def _saved_rows(partial: Path, rows: list[dict[str, Any]], field: str) -> tuple[int, int]:
    """How many rows an interrupted run saved, and how many of those failed. A torn last line is cut off so that
    it is generated again; saved rows must be the input's first rows, in order, or resuming would mix two inputs."""
    import json

    if not partial.exists():
        return 0, 0
    data = partial.read_bytes()
    complete = data[: data.rfind(b"\n") + 1]
    if len(complete) != len(data):
        partial.write_bytes(complete)
    saved = []
    for index, line in enumerate(complete.decode("utf-8", errors="replace").splitlines()):
        try:
            row = json.loads(line)
        except ValueError:
            row = None
        if not isinstance(row, dict) or index >= len(rows) or row.get("prompt") != rows[index]["prompt"]:
            raise ConfigError(f"line {index + 1} was not generated from this input's row {index + 1}",
                              where=str(partial),
                              hint="it is left from a run on another input: delete it to start over")
        saved.append(row)
    return len(saved), sum(1 for row in saved if row.get("error") or not row.get(field))


async def _generate(backend: Any, rows: list[dict[str, Any]], done: int, partial: Path, field: str, chunk: int,
                    sampling: Any, seed: int) -> int:
    import json

    from synthloom.plugins.autoif.agents import sampling_request

    failed = 0
    with click.progressbar(length=len(rows), label="generating", file=sys.stderr) as bar, \
            partial.open("a", encoding="utf-8") as out:
        bar.update(done)
        for start in range(done, len(rows), chunk):
            part = rows[start:start + chunk]
            replies = await backend.generate([sampling_request(row["prompt"], sampling, seed + start + i)
                                              for i, row in enumerate(part)])
            for row, reply in zip(part, replies):
                error = reply.error or ("the prompt was longer than the model's context"
                                        if reply.truncated_prompt else None)
                if error:
                    failed += 1
                    row = {**row, field: [], "error": error}
                else:
                    row = {**row, field: reply.texts()}
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
            out.flush()
            bar.update(len(part))
    return failed
