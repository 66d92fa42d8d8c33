"""The two execution-feedback stages, from parsed inputs to decisions, shared by agents and commands.

An agent turns the result into messages; `synthloom autoif` turns it into AutoIF's own JSONL rows. Both therefore
make exactly the same decisions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

from pydantic import Field

from synthloom.agents import AgentConfig

from synthloom.plugins.autoif.cross_validation import (
    Candidates,
    CrossValidation,
    StringBooleans,
    Variant,
    collect_candidates,
    cross_validate,
    pass_rate,
)
from synthloom.plugins.autoif.execution import EvaluateMany, run_groups
from synthloom.plugins.autoif.parsing import ParsedReply, parse_verifier_reply


class CrossValidationParams(AgentConfig):
    """Parameters of step 3; the defaults are the reference code's."""

    variant: Variant = "code"
    min_funcs: int = Field(default=3, ge=1)
    min_cases: int = Field(default=10, ge=1)
    string_booleans: StringBooleans = "reference"
    require_fence: bool = True
    timeout_s: float = Field(default=5.0, gt=0)


@dataclass
class CrossValidationOutcome:
    """What happened to one instruction: its parsed replies, candidates, and either a result or a drop reason."""

    instruction: str
    parsed: list[ParsedReply]
    candidates: Candidates
    result: CrossValidation | None = None
    reason: str | None = None
    detail: str = ""
    survivors: list[tuple[str, float]] = field(default_factory=list)


def _prepare(instruction: str, replies: Sequence[str], params: CrossValidationParams) -> CrossValidationOutcome:
    parsed = [parse_verifier_reply(r, require_fence=params.require_fence) for r in replies]
    candidates = collect_candidates(parsed, params.string_booleans)
    outcome = CrossValidationOutcome(instruction, parsed, candidates)
    if len(candidates.funcs) < params.min_funcs or len(candidates.cases) < params.min_cases:
        outcome.reason = "too_few_candidates"
        outcome.detail = (f"{len(candidates.funcs)} unique functions (need {params.min_funcs}) and "
                          f"{len(candidates.cases)} unique cases (need {params.min_cases})")
    return outcome


async def cross_validate_many(rows: Sequence[tuple[str, Sequence[str]]], evaluate_many: EvaluateMany,
                              params: CrossValidationParams) -> list[CrossValidationOutcome]:
    """Step 3 for many (instruction, verifier-writer replies) rows, with one sandbox round trip."""
    outcomes = [_prepare(instruction, replies, params) for instruction, replies in rows]
    todo = [o for o in outcomes if o.reason is None]
    matrices = await run_groups(evaluate_many, [(o.candidates.funcs, [c[0] for c in o.candidates.cases])
                                                for o in todo])
    for outcome, matrix in zip(todo, matrices):
        result = cross_validate(outcome.candidates.funcs, outcome.candidates.cases, matrix, params.variant)
        outcome.result = result
        outcome.survivors = [(f.func, f.accuracy) for f in result.kept_funcs]
        if not result.kept_cases:
            outcome.reason, outcome.detail = "no_case_agreed", "no function agrees with any test case"
        elif not outcome.survivors:
            best = max(f.accuracy for f in result.funcs)
            outcome.reason, outcome.detail = "no_accurate_function", f"best accuracy on kept cases: {best:.2f}"
    return outcomes


async def pass_rates_many(rows: Sequence[tuple[Sequence[str], Sequence[str]]], evaluate_many: EvaluateMany
                          ) -> list[list[float]]:
    """Step 6 for many (functions, responses) rows: each response's pass rate over the row's functions."""
    matrices = await run_groups(evaluate_many, rows)
    rates = []
    for (funcs, responses), matrix in zip(rows, matrices):
        rates.append([pass_rate([matrix[f][r] for f in range(len(funcs))]) for r in range(len(responses))])
    return rates
