"""Running LLM-written verification functions in the sandbox: cross-validation (step 3) and pass rates (step 6).

Agents (through `ctx.sandbox`, which logs every run to the store) and the stand-alone commands (through a
`DockerSandbox`) run the same code here and hand the results to the same rules in `parsing.decisions`, so both make
exactly the same decisions. All functions of a whole batch go to the sandbox in one `evaluate_many` call, one job per
function with every input, because per-job overhead, not the verifiers themselves, dominates the cost.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Sequence

from pydantic import Field

from synthloom import AgentConfig, Context
from synthloom.plugins.autoif.parsing.decisions import (
    Candidates,
    CrossValidation,
    StringBooleans,
    Variant,
    Verdict,
    candidate_shortfall,
    collect_candidates,
    cross_validate,
    cross_validation_verdict,
    pass_rate,
)
from synthloom.plugins.autoif.parsing.replies import ParsedReply, parse_verifier_reply

EvaluateMany = Callable[[list[tuple[str, list[Any]]]], Awaitable[list[list[Any]]]]


class CrossValidatorConfig(AgentConfig):
    """How step 3 reads replies and judges functions and cases; the defaults are the reference code's."""

    variant: Variant = "code"
    min_funcs: int = Field(default=3, ge=1)
    min_cases: int = Field(default=10, ge=1)
    string_booleans: StringBooleans = "reference"
    require_fence: bool = True
    timeout_s: float = Field(default=5.0, gt=0)


@dataclass
class CrossValidationOutcome:
    """What happened to one instruction: its parsed replies, candidates, and either survivors or why it stops."""

    instruction: str
    parsed: list[ParsedReply]
    candidates: Candidates
    result: CrossValidation | None = None
    verdict: Verdict | None = None
    survivors: list[tuple[str, float]] = field(default_factory=list)


def values(outcomes: Sequence[Any]) -> list[Any]:
    """The returned values, None where the call raised, timed out, was killed or printed too much: the reference
    treats all of those as `res = None`."""
    return [o.value if o.status == "ok" else None for o in outcomes]


async def run_groups(evaluate_many: EvaluateMany, groups: Sequence[tuple[Sequence[str], Sequence[Any]]]
                     ) -> list[list[list[Any]]]:
    """For each group (functions, inputs): `results[f][i]`, the value of function f on input i."""
    jobs = [(func, list(inputs)) for funcs, inputs in groups for func in funcs if inputs]
    outcomes = iter(await evaluate_many(jobs) if jobs else [])
    return [[values(next(outcomes)) if inputs else [] for _ in funcs] for funcs, inputs in groups]


def context_evaluator(ctx: Context, timeout_s: float) -> EvaluateMany:
    """The campaign's sandbox, which also logs every run to the store."""
    return lambda jobs: ctx.sandbox.evaluate_many(jobs, entrypoint="evaluate", timeout_s=timeout_s)


def sandbox_evaluator(sandbox: Any, timeout_s: float) -> EvaluateMany:
    """A `DockerSandbox` used directly, for the `synthloom autoif` commands that run without a campaign."""
    async def evaluate_many(jobs: list[tuple[str, list[Any]]]) -> list[list[Any]]:
        return await asyncio.to_thread(sandbox.evaluate_many, jobs, entrypoint="evaluate", timeout_s=timeout_s)

    return evaluate_many


def _prepare(instruction: str, replies: Sequence[str], json_only: bool, cfg: CrossValidatorConfig
             ) -> CrossValidationOutcome:
    parsed = [parse_verifier_reply(r, require_fence=cfg.require_fence and not json_only) for r in replies]
    candidates = collect_candidates(parsed, cfg.string_booleans)
    return CrossValidationOutcome(instruction, parsed, candidates,
                                  verdict=candidate_shortfall(candidates, cfg.min_funcs, cfg.min_cases))


async def cross_validate_many(rows: Sequence[tuple[str, Sequence[str], bool]], evaluate_many: EvaluateMany,
                              cfg: CrossValidatorConfig) -> list[CrossValidationOutcome]:
    """Step 3 for many (instruction, verifier-writer replies, whether they are bare JSON) rows, with one sandbox
    round trip."""
    outcomes = [_prepare(instruction, replies, json_only, cfg) for instruction, replies, json_only in rows]
    todo = [o for o in outcomes if o.verdict is None]
    matrices = await run_groups(evaluate_many, [(o.candidates.funcs, [c[0] for c in o.candidates.cases])
                                                for o in todo])
    for outcome, matrix in zip(todo, matrices):
        outcome.result = cross_validate(outcome.candidates.funcs, outcome.candidates.cases, matrix, cfg.variant)
        outcome.survivors = [(f.func, f.accuracy) for f in outcome.result.kept_funcs]
        outcome.verdict = cross_validation_verdict(outcome.result)
    return outcomes


async def pass_rates_many(rows: Sequence[tuple[Sequence[str], Sequence[str]]], evaluate_many: EvaluateMany
                          ) -> list[list[float]]:
    """Step 6 for many (functions, responses) rows: each response's pass rate over the row's functions."""
    matrices = await run_groups(evaluate_many, rows)
    return [[pass_rate([matrix[f][r] for f in range(len(funcs))]) for r in range(len(responses))]
            for (funcs, responses), matrix in zip(rows, matrices)]
