"""Cherry LLM's pre-experience sampling: cluster the instructions, then take each cluster's middle band.

Samples the base model finds neither trivial nor hopeless (perplexity between the low and high percentile of their
cluster), spread over clusters, teach it the task format before it scores IFD. Reproduces
`cherry_seletion/data_by_cluster.py`: k-means with random_state fixed, numpy's linear percentiles, and an even
stride through each band.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np


def kmeans_labels(vectors: np.ndarray, clusters: int, seed: int = 0) -> np.ndarray:
    from sklearn.cluster import KMeans

    clusters = max(1, min(clusters, len(vectors)))
    return KMeans(n_clusters=clusters, random_state=seed, n_init="auto").fit(vectors).labels_


def middle_band(labels: Sequence[int], values: Sequence[float], per_cluster: int, low: float = 25,
                high: float = 75) -> list[int]:
    """Indices picked per cluster, cluster by cluster: all of a cluster smaller than `per_cluster`, else up to
    `per_cluster` evenly spaced indices among those whose value lies within the [low, high] percentiles."""
    labels = np.asarray(labels)
    values = np.asarray(values, dtype=np.float64)
    picked: list[int] = []
    for cluster in np.unique(labels):
        members = np.where(labels == cluster)[0]
        if len(members) < per_cluster:
            picked += members.tolist()
            continue
        lo, hi = np.percentile(values[members], low), np.percentile(values[members], high)
        band = members[(values[members] >= lo) & (values[members] <= hi)]
        if len(band) < per_cluster:
            picked += band.tolist()
        else:
            picked += band[:: len(band) // per_cluster][:per_cluster].tolist()
    return picked
