"""FastClass's first step: each class description retrieves the documents closest to it (arXiv 2212.05506, section
3.2; the reference's `Task_data.py`).

Every document goes to the class it is most similar to (cosine of sentence embeddings), and each class keeps its
`pool` most similar documents, `pool` being a share (10% by default) of the average class size N / C. Ties keep the
earlier document. The reference reads C from the gold labels of its test file; here it is the number of classes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Retrieved:
    """A class's pool: document indices, most similar first, with their cosine similarity to the class."""

    documents: list[int]
    scores: list[float]


def pool_size(documents: int, classes: int, share: float) -> int:
    """int(N / C * share), at least 1, as the reference's `per_class_num` (which can be 0 on a tiny corpus)."""
    return max(1, int(documents / classes * share))


def retrieve(documents: np.ndarray, classes: np.ndarray, share: float = 0.1) -> list[Retrieved]:
    """One pool per class from normalised document and class vectors, shapes (N, d) and (C, d)."""
    similarity = documents @ classes.T
    assigned = similarity.argmax(axis=1)
    best = similarity.max(axis=1)
    size = pool_size(len(documents), len(classes), share)
    pools = []
    for label in range(len(classes)):
        members = np.flatnonzero(assigned == label)
        order = members[np.argsort(-best[members], kind="stable")][:size]
        pools.append(Retrieved([int(i) for i in order], [float(best[i]) for i in order]))
    return pools
