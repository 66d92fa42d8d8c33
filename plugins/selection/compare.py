"""What `synthloom selection compare` reports about several selections of one pool: how much their picks overlap,
and the length and diversity of what each kept. Pure: it sees indices, lengths and texts, never a file or model.

Lexical diversity is distinct-2 (distinct word bigrams over all bigrams of the picked responses, lower-cased);
embedding diversity, when asked for, is 1 minus the mean pairwise cosine similarity of the picks' unit vectors,
computed from their sum as (|sum|^2 - n) / (n (n - 1)), so it costs one pass and no n x n matrix.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any, Sequence

import numpy as np


def overlap(picks: dict[str, Sequence[int]]) -> list[dict[str, Any]]:
    """One row per pair of selectors: how many picks they share, and the Jaccard index of the two sets."""
    rows = []
    for a, b in combinations(picks, 2):
        left, right = set(picks[a]), set(picks[b])
        union = len(left | right)
        rows.append({"a": a, "b": b, "shared": len(left & right),
                     "jaccard": len(left & right) / union if union else 0.0})
    return rows


@dataclass
class PickStats:
    """Accumulates what a selector kept, one pick at a time."""

    tokens: list[int] = field(default_factory=list)
    response_tokens: list[int] = field(default_factory=list)
    bigrams: set[str] = field(default_factory=set)  # "w1 w2": words hold no white space, so this is exact
    bigram_count: int = 0
    vector_sum: Any = None
    vectors: int = 0

    def add(self, total: int, response: int, text: str) -> None:
        self.tokens.append(total)
        self.response_tokens.append(response)
        words = text.lower().split()
        self.bigram_count += max(len(words) - 1, 0)
        self.bigrams.update(map(" ".join, zip(words, words[1:])))  # a third of the memory of word pairs

    def add_vectors(self, vectors: np.ndarray) -> None:
        if len(vectors) == 0:
            return
        total = np.asarray(vectors, dtype=np.float64).sum(axis=0)
        self.vector_sum = total if self.vector_sum is None else self.vector_sum + total
        self.vectors += len(vectors)

    def summary(self) -> dict[str, Any]:
        n = len(self.tokens)
        out: dict[str, Any] = {
            "picked": n,
            "mean_tokens": statistics.fmean(self.tokens) if n else None,
            "median_tokens": statistics.median(self.tokens) if n else None,
            "mean_response_tokens": statistics.fmean(self.response_tokens) if n else None,
            "distinct_2": len(self.bigrams) / self.bigram_count if self.bigram_count else None,
        }
        if self.vectors:
            out["embedding_diversity"] = embedding_diversity(self.vector_sum, self.vectors)
        return out


def embedding_diversity(vector_sum: np.ndarray, n: int) -> float | None:
    """1 - mean cosine similarity over the n (n - 1) ordered pairs of n unit vectors whose sum is given."""
    if n < 2:
        return None
    similarity = (float(np.dot(vector_sum, vector_sum)) - n) / (n * (n - 1))
    return 1.0 - similarity
