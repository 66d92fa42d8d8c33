"""A plan is the pair of scoring requests behind one ratio (conditioned and direct), or the reason there is none.

Planning is separate from running so that every mode (ours, and the reference rules in `compat`) only decides
*what* to score, and one executor sends all requests of a batch to the backend at once, which batches them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Awaitable, Callable, Sequence

from synthloom import ScoreRequest, ScoreResponse
from synthloom.plugins.selection.ifd import mean_nll

ScoreFn = Callable[[list[ScoreRequest]], Awaitable[list[ScoreResponse]]]


@dataclass(frozen=True)
class Plan:
    """What to score for one ratio. `reason` set means: nothing to score, the ratio is undefined."""

    conditioned: ScoreRequest | None = None
    direct: ScoreRequest | None = None
    reason: str | None = None
    truncated: bool = False
    # Offset-mapped plans score the answer alone and after the prompt; when the context cut the conditioned answer
    # short, the direct one must be cut to the same tokens or the two means would cover different text.
    align: bool = False

    @classmethod
    def skip(cls, reason: str, truncated: bool = False) -> "Plan":
        return cls(reason=reason, truncated=truncated)


@dataclass(frozen=True)
class PairLoss:
    """The two mean losses of a plan, or why they are missing."""

    conditioned: float | None
    direct: float | None
    tokens: int = 0
    truncated: bool = False
    reason: str | None = None


def text_plan(prompt: str, target: str, max_length: int | None) -> Plan:
    """Our default: score `target` after `prompt` and alone, with token boundaries taken from offset mappings."""
    if target == "":
        return Plan.skip("empty answer: nothing to score (the reference yields NaN)")
    return Plan(conditioned=ScoreRequest(prefix=prompt, continuation=target, max_length=max_length),
                direct=ScoreRequest(prefix="", continuation=target, max_length=max_length), align=True)


async def execute(plans: Sequence[Plan], score: ScoreFn) -> list[PairLoss]:
    """Run every plan's requests in one backend call and reduce each pair to its two mean losses."""
    requests: list[ScoreRequest] = []
    for plan in plans:
        if plan.reason is None:
            assert plan.conditioned is not None and plan.direct is not None
            requests += [plan.conditioned, plan.direct]
    responses = iter(await score(requests) if requests else [])
    return [_reduce(plan, next(responses), next(responses)) if plan.reason is None
            else PairLoss(None, None, truncated=plan.truncated, reason=plan.reason)
            for plan in plans]


def _reduce(plan: Plan, conditioned: ScoreResponse, direct: ScoreResponse) -> PairLoss:
    truncated = plan.truncated or conditioned.truncated or direct.truncated
    error = conditioned.error or direct.error
    if error:
        return PairLoss(None, None, truncated=truncated, reason=f"scoring failed: {error}")
    cond_lp, direct_lp = conditioned.logprobs, direct.logprobs
    if plan.align and truncated:
        keep = min(len(cond_lp), len(direct_lp))
        cond_lp, direct_lp = cond_lp[:keep], direct_lp[:keep]
    loss_c, loss_d = mean_nll(cond_lp), mean_nll(direct_lp)
    if loss_c is None or loss_d is None:
        return PairLoss(None, None, truncated=truncated,
                        reason="no answer token left to score after truncation to the context length")
    return PairLoss(loss_c, loss_d, tokens=len(cond_lp), truncated=truncated)
