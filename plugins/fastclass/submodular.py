"""FastClass's subset selection (section 3.3; the reference's `SubmodularSelection_Mix.py`, which calls apricot's
`FacilityLocationSelection(metric="cosine", optimizer="lazy")` with a per-document cost).

Facility location f(S) = sum_i max_{j in S} sim(i, j) with sim = cos^2 (what apricot's cosine metric gives), maximised
by lazy greedy on gain per unit of cost, under a budget on the total cost. A document's cost is 1 minus its
retrieval score, so that documents that matched their class closely are cheap and come first. As in the reference,
the budget is min(max_count, n) units of *cost* (so the greedy ranks more documents than that) and the kept subset is
the first k of the ranking.

Two reference defects are not reproduced: it indexes the cost array of the whole file with each class's local
indices (so documents got other documents' costs), and a retrieval score of 1 gives a cost of 0 and a division by
zero; here every document has its own cost, floored at `MIN_COST`.
"""

from __future__ import annotations

import heapq
from typing import Sequence

import numpy as np

MIN_COST = 1e-3


def similarity(vectors: np.ndarray) -> np.ndarray:
    """cos^2 between normalised vectors, clipped to [0, 1]."""
    cosine = np.clip(vectors @ vectors.T, -1.0, 1.0)
    return cosine * cosine


def facility_location(vectors: np.ndarray, costs: Sequence[float] | None = None,
                      budget: float | None = None) -> list[int]:
    """Indices in the order lazy greedy picks them, until the cost budget (default: pick all) is spent."""
    count = len(vectors)
    if count == 0:
        return []
    sim = similarity(vectors)
    cost = np.maximum(np.asarray(costs, dtype=float), MIN_COST) if costs is not None else np.ones(count)
    limit = float(count) if budget is None else float(budget)
    current = np.zeros(count)

    def gain(j: int) -> float:
        return float(np.maximum(sim[:, j], current).sum() - current.sum()) / cost[j]

    heap = [(-gain(j), j) for j in range(count)]
    heapq.heapify(heap)
    ranking: list[int] = []
    spent = 0.0
    while heap and spent < limit:
        _, j = heapq.heappop(heap)
        if spent + cost[j] > limit:
            continue
        fresh = gain(j)
        if heap and fresh < -heap[0][0] and fresh > 0:
            heapq.heappush(heap, (-fresh, j))
            continue
        ranking.append(j)
        spent += cost[j]
        current = np.maximum(current, sim[:, j])
    return ranking
