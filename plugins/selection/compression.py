"""ZIP: greedy selection by compression ratio (Yin et al., "Entropy Law", arXiv 2407.06645; code
USTC-StarTeam/ZIP, MIT licence, which the selection-at-scale study runs unchanged).

The ratio of a set of rows is len(s) / len(zlib.compress(s, 9)) with s = str(list_of_rows) encoded as UTF-8: the
Python repr of the rows, keys and quotes included. A low ratio means little redundancy, which ZIP prefers. Each
round: (1) the `k1` rows of lowest current ratio are re-scored as "selected so far + this row" and (2) the `k2`
lowest of those are set aside for good; (3) from those, `k3` are chosen greedily, each time the one that adds least
redundancy to the ones chosen in this round (the reference starts this stage from an empty anchor, not from the
selection), and appended to the selection. The `k2 - k3` not chosen are never reconsidered, as in the reference.

The reference recompresses the whole string for every candidate. Deflate's output does not depend on how its
input is split across calls, so here the selected prefix is compressed once per round and each candidate continues
a copy of that compressor: the same bytes (tested), a fraction of the time.
"""

from __future__ import annotations

import zlib
from typing import Sequence

import numpy as np

LEVEL = 9
USED = 1e6  # the reference's mark for rows already set aside


def ratio(text: str) -> float:
    data = text.encode("utf-8")
    return len(data) / len(zlib.compress(data, LEVEL))


class _Prefix:
    """A compressor that has consumed "[" + the reprs of some rows, ready to measure one more row after them."""

    def __init__(self, reprs: Sequence[str]) -> None:
        head = "[" + ", ".join(reprs)
        self.size = len(head.encode("utf-8"))
        self.empty = not reprs
        self._compressor = zlib.compressobj(LEVEL)
        self._done = len(self._compressor.compress(head.encode("utf-8")))

    def ratio_with(self, row: str) -> float:
        tail = (("" if self.empty else ", ") + row + "]").encode("utf-8")
        compressor = self._compressor.copy()
        compressed = self._done + len(compressor.compress(tail)) + len(compressor.flush())
        return (self.size + len(tail)) / compressed


def zip_select(reprs: Sequence[str], budget: int, *, k1: int = 10000, k2: int = 200, k3: int = 100) -> list[int]:
    """Indices of up to `budget` rows in the order ZIP selects them; `reprs[i]` is `repr(row_i)`.

    Ties between equal ratios go to the lower index (the reference's `torch.topk` leaves their order undefined).
    """
    n = len(reprs)
    budget = min(budget, n)
    scores = np.array([ratio(f"[{r}]") for r in reprs], dtype=np.float64)
    positions = np.arange(n)
    selected: list[int] = []
    while len(selected) < budget:
        order = np.lexsort((positions, scores))
        candidates = [int(i) for i in order[:k1] if scores[i] < USED]
        if not candidates:
            break
        prefix = _Prefix([reprs[i] for i in selected])
        for index in candidates:
            scores[index] = prefix.ratio_with(reprs[index])
        shortlist = sorted(candidates, key=lambda i: (scores[i], i))[:k2]
        scores[shortlist] = USED
        selected += _greedy(reprs, shortlist, min(k3, budget - len(selected)))
    return selected


def _greedy(reprs: Sequence[str], pool: list[int], take: int) -> list[int]:
    chosen: list[int] = []
    left = list(pool)
    while left and len(chosen) < take:
        prefix = _Prefix([reprs[i] for i in chosen])
        best = min(left, key=lambda i: (prefix.ratio_with(reprs[i]), i))
        chosen.append(best)
        left.remove(best)
    return chosen
