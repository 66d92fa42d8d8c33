"""How much each head follows length on held-out pairs: the paper's check that the quality head does not (it reports
Pearson 0.451 between a vanilla reward model's reward and length, and about 0 for ODIN's quality head).

Chosen and rejected responses are pooled, as the training loss pools them. The summed reward is what a single-head
model trained the same way would rank by; with every length term's weight set to 0 it *is* the vanilla baseline.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from synthloom.plugins.odin.model import Rewards


@dataclass(frozen=True)
class Correlations:
    pairs: int
    quality_pearson: float | None
    length_pearson: float | None
    sum_pearson: float | None
    quality_spearman: float | None
    sum_spearman: float | None
    quality_accuracy: float | None  # share of pairs whose chosen gets the higher quality reward
    sum_accuracy: float | None
    longer_chosen: float | None  # share of pairs whose chosen response is the longer one


def _pearson(x: Sequence[float], y: Sequence[float]) -> float | None:
    import numpy as np

    if len(x) < 2 or np.std(x) == 0 or np.std(y) == 0:
        return None
    return float(np.corrcoef(x, y)[0, 1])


def _spearman(x: Sequence[float], y: Sequence[float]) -> float | None:
    from scipy.stats import rankdata

    return _pearson(list(rankdata(x)), list(rankdata(y)))


def correlations(chosen: Rewards, rejected: Rewards) -> Correlations:
    """Correlations with length over all held-out responses, and pairwise accuracies."""
    n = len(chosen.quality)
    quality = chosen.quality + rejected.quality
    length = chosen.length + rejected.length
    total = [q + l for q, l in zip(quality, length)]
    tokens = [float(t) for t in chosen.tokens + rejected.tokens]

    def share(flags: Sequence[bool]) -> float | None:
        return sum(flags) / n if n else None

    return Correlations(
        pairs=n,
        quality_pearson=_pearson(quality, tokens), length_pearson=_pearson(length, tokens),
        sum_pearson=_pearson(total, tokens), quality_spearman=_spearman(quality, tokens),
        sum_spearman=_spearman(total, tokens),
        quality_accuracy=share([c > r for c, r in zip(chosen.quality, rejected.quality)]),
        sum_accuracy=share([cq + cl > rq + rl for cq, cl, rq, rl in
                            zip(chosen.quality, chosen.length, rejected.quality, rejected.length)]),
        longer_chosen=share([c > r for c, r in zip(chosen.tokens, rejected.tokens)]),
    )
