"""The simple baselines of "Rethinking Data Selection at Scale" (arXiv 2410.09335), as pure functions.

The study found that at the scale of a million samples few self-scoring methods beat random selection, and that
keeping the longest samples is a strong, cheap rule. Every function here works one sample (or one chunk) at a time
where the rule allows it, so that a pool of millions can be streamed (`Best` keeps a top-k in a heap), and k-means,
which needs every vector at once, is kept to what it needs.
"""

from __future__ import annotations

import hashlib
import heapq
from typing import Any, Sequence

import numpy as np


def random_key(seed: int, key: str | int) -> float:
    """A uniform number in [0, 1) fixed by the seed and the sample, so that seeded random selection is the `count`
    smallest keys: the same picks whatever order or chunking the pool is read in (the reference gives no seed)."""
    digest = hashlib.blake2b(f"{seed}\x00{key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


class Best:
    """The `count` highest (score, index) pairs seen so far, in O(count) memory; on equal scores the later index
    wins, as in Cherry LLM's sort of (score, index) that `selection.top_k` follows."""

    def __init__(self, count: int) -> None:
        self.count = count
        self._heap: list[tuple[float, int]] = []

    def offer(self, score: float, index: int) -> None:
        if self.count <= 0:
            return
        if len(self._heap) < self.count:
            heapq.heappush(self._heap, (score, index))
        elif (score, index) > self._heap[0]:
            heapq.heapreplace(self._heap, (score, index))

    def ranked(self) -> list[tuple[int, float]]:
        """(index, score) from best to worst."""
        return [(index, score) for score, index in sorted(self._heap, reverse=True)]


def nonzero_lengths(tokenizer: Any, texts: Sequence[str]) -> list[int]:
    """Tokens per text as the reference counts them (`compute_token_num.py`): the tokenizer's special tokens
    included (BOS on Llama-3), ids equal to 0 left out (its `count_nonzero`), cut at the tokenizer's
    `model_max_length` (its `truncation=True`)."""
    if not texts:
        return []
    limit = getattr(tokenizer, "model_max_length", None) or 1 << 62
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is not None:  # the same ids as tokenizer(...), without building Python lists of offsets
        encode = getattr(backend, "encode_batch_fast", backend.encode_batch)
        rows = [e.ids[:limit] for e in encode(list(texts), add_special_tokens=True)]
    else:
        rows = tokenizer(list(texts), add_special_tokens=True, truncation=True)["input_ids"]
    return [sum(1 for i in ids if i != 0) for ids in rows]


def kmeans_centroid_picks(vectors: np.ndarray, clusters: int, seed: int = 0) -> list[int]:
    """The sample nearest each k-means centroid (`token_length/kmeans_sample.py`: scikit-learn's KMeans with
    `random_state`, squared Euclidean distance), one per cluster, in cluster order; a sample nearest two centroids
    is taken once."""
    from sklearn.cluster import KMeans

    n = len(vectors)
    clusters = min(clusters, n)
    if clusters <= 0:
        return []
    x = np.asarray(vectors, dtype=np.float64)
    model = KMeans(n_clusters=clusters, random_state=seed, n_init="auto").fit(x)
    picks: list[int] = []
    seen: set[int] = set()
    for centre in model.cluster_centers_:
        nearest = int(np.argmin(((x - centre) ** 2).sum(axis=1)))
        if nearest not in seen:
            seen.add(nearest)
            picks.append(nearest)
    return picks
