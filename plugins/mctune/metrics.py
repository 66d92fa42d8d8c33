"""MCTune's evaluation, as the reference's `eval.py` scores it: a tag is met only when the measured value equals the
target exactly (measured values have 3 decimals, fractional targets 2, so a fraction matches only when its third
decimal is 0), and errors are in the feature's own units.

The reference's batching bug (an all-integer first example truncates the batch's fractional targets) is not
reproduced: every target is compared as written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Sequence

from synthloom.plugins.mctune.features import FEATURES, Number


@dataclass(frozen=True)
class Scored:
    """One example's tags against what its response measured."""

    tags: list[str]
    targets: list[Number]
    measured: list[Number]

    @property
    def matches(self) -> list[bool]:
        return [m == t for m, t in zip(self.measured, self.targets)]


@dataclass
class Report:
    examples: int
    zero_one_score: float | None
    strictly_followed: float | None
    loosely_followed: float | None
    accuracy_per_tag: dict[str, float | None] = field(default_factory=dict)
    mae_per_tag: dict[str, float | None] = field(default_factory=dict)
    mse_per_tag: dict[str, float | None] = field(default_factory=dict)
    count_per_tag: dict[str, int] = field(default_factory=dict)


def score(tags: Sequence[str], targets: Sequence[Number], measured: Mapping[str, Number]) -> Scored:
    return Scored(list(tags), list(targets), [measured[t] for t in tags])


def report(scored: Sequence[Scored]) -> Report:
    """Micro accuracy over all tags (zero-one score), the share of examples meeting every tag (strict) and at least
    one (loose), and per tag: accuracy, MAE and MSE (None where the reference has NaN: no example asked for it)."""
    total_tags = sum(len(s.tags) for s in scored)
    matched = sum(sum(s.matches) for s in scored)
    counts = {t: 0 for t in FEATURES}
    correct = {t: 0 for t in FEATURES}
    l1 = {t: 0.0 for t in FEATURES}
    l2 = {t: 0.0 for t in FEATURES}
    for s in scored:
        for tag, target, measured, match in zip(s.tags, s.targets, s.measured, s.matches):
            counts[tag] += 1
            correct[tag] += match
            l1[tag] += abs(measured - target)
            l2[tag] += (measured - target) ** 2
    n = len(scored)

    def per(values: Mapping[str, float]) -> dict[str, float | None]:
        return {t: values[t] / counts[t] if counts[t] else None for t in FEATURES}

    return Report(
        examples=n,
        zero_one_score=matched / total_tags if total_tags else None,
        strictly_followed=sum(all(s.matches) for s in scored) / n if n else None,
        loosely_followed=sum(any(s.matches) for s in scored) / n if n else None,
        accuracy_per_tag=per(correct), mae_per_tag=per(l1), mse_per_tag=per(l2), count_per_tag=counts,
    )
