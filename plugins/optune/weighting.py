"""OPTune's pure rules: which prompts to regenerate, how a prompt's responses become a pair, and each pair's weight.

OPTune (arXiv 2406.07657) regenerates only the prompts whose current responses score lowest, and weights each pair
in the DPO loss by its utility, a function g of the pair's reward gap. The paper's section 3.2, which defines g, could
not be read (no public code either; docs/optune.md says what was checked), so g is a parameter:

- `identity` (default): the weight grows with the gap itself, the most direct reading of "reweights each pair by
  its utility";
- `sigmoid`: sigma(gap), bounded in (0.5, 1) for the positive gaps pairs have;
- `exp`: e^gap.

The gap is first divided by the standard deviation of the iteration's rewards, so that g's shape does not depend on
the reward model's scale, and the weights are scaled to average 1, so that the learning rate keeps its meaning.
When every reward is equal there is no scale and no preference: `NoPreference` says so instead of dividing by zero.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal, Mapping, Sequence

Weighting = Literal["identity", "sigmoid", "exp"]
G = {"identity": lambda x: x, "sigmoid": lambda x: 1 / (1 + math.exp(-x)), "exp": math.exp}


class NoPreference(ValueError):
    """Every reward is equal: no pair prefers anything, and a reward scale cannot be computed."""


@dataclass(frozen=True)
class Scored:
    response: str
    reward: float


@dataclass(frozen=True)
class Choice:
    chosen: Scored
    rejected: Scored

    @property
    def gap(self) -> float:
        return self.chosen.reward - self.rejected.reward


def pair_up(responses: Sequence[Scored]) -> Choice | None:
    """The best response against the worst (the first of equals, in the order given); None without a reward gap."""
    if len(responses) < 2:
        return None
    best = max(responses, key=lambda s: s.reward)
    worst = min(responses, key=lambda s: s.reward)
    return Choice(best, worst) if best.reward > worst.reward else None


def pair_weights(choices: Sequence[Choice], weighting: Weighting = "identity") -> list[float]:
    """g(gap / sd of all the pairs' rewards), scaled to a mean of 1."""
    rewards = [r for c in choices for r in (c.chosen.reward, c.rejected.reward)]
    if not choices:
        raise NoPreference("there are no pairs to weight")
    mean = sum(rewards) / len(rewards)
    scale = math.sqrt(sum((r - mean) ** 2 for r in rewards) / len(rewards))
    if scale == 0:
        raise NoPreference(f"all {len(rewards)} rewards equal {rewards[0]:g}")
    raw = [G[weighting](c.gap / scale) for c in choices]
    total = sum(raw)
    if not total > 0:
        raise NoPreference("no pair has a positive reward gap")
    return [w * len(raw) / total for w in raw]


def lowest(best_rewards: Mapping[str, float | None], rho: float) -> list[str]:
    """The ceil(rho * N) prompts whose best current response scores lowest; prompts with no pair (None: their
    responses tied, or were never paired) count as lowest of all. Ties keep the mapping's order."""
    count = min(len(best_rewards), math.ceil(rho * len(best_rewards)))
    order = sorted(best_rewards, key=lambda k: -math.inf if best_rewards[k] is None else best_rewards[k])
    return order[:count]
