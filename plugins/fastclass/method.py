"""FastClass end to end on embedded vectors: retrieve a pool per class, rank each pool by cost-aware facility
location, and pick the subset size whose classifier's predictions on the corpus have the highest entropy.

The reference then expands the pools by retrieving from a large external corpus with the seed documents as queries
(MIND, RealNews, S2ORC, ...; `Task_external_data.py`) before the submodular step; that corpus cannot be shipped, so
here the pools come from the corpus being labelled. docs/fastclass.md lists this and the other deviations.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from synthloom.plugins.fastclass.classifier import entropy_bits, train_logistic
from synthloom.plugins.fastclass.retrieval import Retrieved, retrieve
from synthloom.plugins.fastclass.submodular import facility_location


@dataclass(frozen=True)
class LabelSettings:
    """`pool`: the share of the average class size each class retrieves (the reference's 10%); `keep`: candidate
    subset sizes as shares of each pool (the reference's grid is 300, 500 and 800 documents of its pools)."""

    pool: float = 0.1
    keep: tuple[float, ...] = (0.3, 0.5, 0.8)
    use_cost: bool = True
    seed: int = 0


@dataclass(frozen=True)
class Labelled:
    document: int
    label: int
    score: float  # cosine similarity to the class
    rank: int  # position in the class's facility-location ranking


@dataclass
class Outcome:
    labelled: list[Labelled]
    pools: list[Retrieved]
    keep: float
    entropies: dict[float, float | None] = field(default_factory=dict)
    classifier: Any = None


def _subset(pools: Sequence[Retrieved], rankings: Sequence[list[int]], keep: float) -> list[Labelled]:
    chosen = []
    for label, (pool, ranking) in enumerate(zip(pools, rankings)):
        count = min(len(ranking), max(1, math.ceil(keep * len(pool.documents)))) if pool.documents else 0
        chosen += [Labelled(pool.documents[i], label, pool.scores[i], rank) for rank, i in enumerate(ranking[:count])]
    return chosen


def label(documents: np.ndarray, classes: np.ndarray, settings: LabelSettings = LabelSettings()) -> Outcome:
    """Pseudo-labels for the corpus `documents` (normalised vectors) given the class vectors."""
    pools = retrieve(documents, classes, settings.pool)
    top = max(settings.keep)
    rankings = []
    for pool in pools:
        costs = [1.0 - s for s in pool.scores] if settings.use_cost else None
        budget = min(math.ceil(top * len(pool.documents)), len(pool.documents))
        rankings.append(facility_location(documents[pool.documents], costs, budget) if pool.documents else [])
    candidates = []
    for keep in sorted(settings.keep):
        chosen = _subset(pools, rankings, keep)
        labels = [c.label for c in chosen]
        model = (train_logistic(documents[[c.document for c in chosen]], labels, settings.seed)
                 if len(set(labels)) >= 2 else None)
        entropy = entropy_bits(model.predict(documents).tolist()) if model is not None else None
        candidates.append(Outcome(chosen, pools, keep, classifier=model, entropies={keep: entropy}))
    entropies = {c.keep: c.entropies[c.keep] for c in candidates}
    scored = [c for c in candidates if entropies[c.keep] is not None]
    # the highest entropy, a tie going to the later (larger) candidate; the largest when none could be scored
    best = max(reversed(scored), key=lambda c: entropies[c.keep]) if scored else candidates[-1]  # type: ignore
    best.entropies = entropies
    return best
