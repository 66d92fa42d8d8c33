"""Test targets: MCTune's noise-and-validity procedure, so that the test asks for values near, not at, the truth.

Each foundational feature is moved by `scale` standard deviations of Gaussian noise (the reference adds N(0, 1) *
scale in standardised units, which is the same thing), the draw is kept only when the counts stay consistent with
each other (`is_valid`), and after `max_trials` failed draws the ground truth is used unchanged, as the reference
does. The ratios are recomputed from the unrounded draw, then everything is rounded: fractions to 2 decimals,
counts to integers.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Mapping, Sequence

from synthloom.plugins.mctune.features import FEATURES, FKRE_MAX, FOUNDATIONAL, FRACTIONAL, Number, derived

MAX_TRIALS = 10_000


@dataclass(frozen=True)
class Stats:
    """Per-feature mean and sample standard deviation (ddof 1, as pandas) over every usable response."""

    means: dict[str, float]
    sigmas: dict[str, float]

    @classmethod
    def of(cls, rows: Sequence[Mapping[str, Number]]) -> "Stats":
        means, sigmas = {}, {}
        for name in FEATURES:
            values = [float(row[name]) for row in rows]
            mean = sum(values) / len(values) if values else 0.0
            means[name] = mean
            sigmas[name] = (math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1))
                            if len(values) > 1 else 0.0)
        return cls(means, sigmas)


def is_valid(values: Mapping[str, float]) -> bool:
    """The reference's consistency constraints on sampled foundational values (quantisation `none`)."""
    v = values
    return (v["t_word"] > 0 and v["t_word"] >= v["n_noun"] + v["n_verb"] + v["n_adj"] and v["t_word"] >= v["t_uword"]
            and v["n_noun"] >= 0 and v["n_noun"] >= v["n_unoun"]
            and v["n_verb"] >= 0 and v["n_verb"] >= v["n_uverb"]
            and v["n_adj"] >= 0 and v["n_adj"] >= v["n_uadj"]
            and v["t_uword"] > 0 and v["t_uword"] >= v["n_unoun"] + v["n_uverb"] + v["n_uadj"]
            and v["n_unoun"] >= 0 and v["n_uverb"] >= 0 and v["n_uadj"] >= 0
            and v["fkre"] <= FKRE_MAX)


def rounded(name: str, value: float) -> Number:
    return round(value, 2) if name in FRACTIONAL else round(value)


@dataclass(frozen=True)
class Target:
    values: dict[str, Number]
    trials: int
    fallback: bool  # no valid draw in MAX_TRIALS: the ground truth itself is the target


def noisy_target(truth: Mapping[str, Number], stats: Stats, rng: random.Random, scale: float = 0.1,
                 max_trials: int = MAX_TRIALS) -> Target:
    """One test target for a response whose measured features are `truth`."""
    for trial in range(1, max_trials + 1):
        draw = {name: truth[name] + scale * stats.sigmas[name] * rng.gauss(0.0, 1.0) for name in FOUNDATIONAL}
        if is_valid(draw):
            draw.update(derived(draw))
            return Target({name: rounded(name, draw[name]) for name in FEATURES}, trial, False)
    return Target({name: truth[name] for name in FEATURES}, max_trials, True)
