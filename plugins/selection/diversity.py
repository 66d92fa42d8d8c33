"""Diversity selection on embeddings: k-center greedy and facility location.

k-center greedy (coreset selection) repeatedly takes the point farthest from everything taken so far, covering
outliers first. Facility location maximises sum_i max_{j in S} sim(i, j), so it picks representatives of dense
regions; Superfiltering.D runs it, through submodlib, with similarity exp(-d(i, j) / dim) on Euclidean distances,
which is the default here. Greedy maximisation gives the same picks as submodlib's lazy greedy (lazy evaluation only
skips gains that cannot win); ties go to the lowest index.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

Metric = Literal["euclidean", "cosine"]


def _distances(x: np.ndarray) -> np.ndarray:
    squared = (x * x).sum(axis=1)
    d2 = squared[:, None] + squared[None, :] - 2.0 * (x @ x.T)
    np.maximum(d2, 0.0, out=d2)
    np.fill_diagonal(d2, 0.0)
    return np.sqrt(d2)


def similarity(x: np.ndarray, metric: Metric = "euclidean") -> np.ndarray:
    """submodlib's dense kernel: exp(-distance / dim) for Euclidean, the cosine similarity for cosine."""
    x = np.asarray(x, dtype=np.float64)
    if metric == "euclidean":
        return np.exp(-_distances(x) / x.shape[1])
    unit = x / np.clip(np.linalg.norm(x, axis=1, keepdims=True), 1e-12, None)
    return unit @ unit.T


def facility_location(x: np.ndarray, budget: int, metric: Metric = "euclidean") -> list[int]:
    """Indices in the order greedy picked them (the first is the most representative)."""
    n = len(x)
    budget = min(budget, n)
    if budget <= 0:
        return []
    sim = similarity(x, metric)
    best = np.zeros(n)  # for each point, its similarity to the closest chosen representative
    chosen: list[int] = []
    available = np.ones(n, dtype=bool)
    for _ in range(budget):
        gains = np.maximum(sim - best[:, None], 0.0).sum(axis=0)
        gains[~available] = -np.inf
        pick = int(np.argmax(gains))
        chosen.append(pick)
        available[pick] = False
        np.maximum(best, sim[:, pick], out=best)
    return chosen


def k_center_greedy(x: np.ndarray, budget: int, first: int = 0) -> list[int]:
    """Indices in pick order, starting from `first` (callers pass the best-scored or a seeded random point)."""
    n = len(x)
    budget = min(budget, n)
    if budget <= 0:
        return []
    x = np.asarray(x, dtype=np.float64)
    chosen = [first]
    nearest = np.linalg.norm(x - x[first], axis=1)
    for _ in range(budget - 1):
        nearest[chosen] = -1.0
        pick = int(np.argmax(nearest))
        chosen.append(pick)
        nearest = np.minimum(nearest, np.linalg.norm(x - x[pick], axis=1))
    return chosen
