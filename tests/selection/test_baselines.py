"""The selection-at-scale baselines' pure parts against hand-checked values and naive re-creations of the
reference algorithms (ZIP recompressing the whole string, as `ZIP.py` does)."""

from __future__ import annotations

import random
import zlib
from typing import Sequence

import numpy as np
import pytest

from synthloom import Row
from synthloom.plugins.selection import baselines, compare, compression
from synthloom.plugins.selection.parsing import top_k
from synthloom.plugins.selection.pool import PoolItem, pool_item, reference_query


def test_reference_query_template() -> None:
    turns = [("human", "Hi"), ("gpt", "Hello!"), ("human", "Reverse a list?")]
    assert reference_query(turns) == "Human: Hi\nAssistant: Hello!\nHuman: Reverse a list?\nAssistant:"
    row = Row("x:1", {"conversations": [{"from": "system", "value": "be nice"}, *[
        {"from": r, "value": v} for r, v in turns], {"from": "gpt", "value": "lst[::-1]"}]})
    assert pool_item(row) == PoolItem(reference_query(turns), "lst[::-1]")
    alpaca = pool_item(Row("x:2", {"instruction": "Add", "input": "2 and 2", "output": "4"}))
    assert alpaca == PoolItem("Human: Add\n\n2 and 2\nAssistant:", "4")


def test_bad_conversations_are_refused_with_their_place() -> None:
    from synthloom import RowError

    with pytest.raises(RowError, match="does not end with an assistant turn"):
        pool_item(Row("f.jsonl:3", {"conversations": [{"from": "human", "value": "q"}]}))
    with pytest.raises(RowError, match="lacks string"):
        pool_item(Row("f.jsonl:4", {"conversations": [{"from": "human"}]}))


def test_random_keys_do_not_depend_on_order() -> None:
    keys = {i: baselines.random_key(3, i) for i in range(100)}
    shuffled = list(range(100))
    random.Random(0).shuffle(shuffled)
    assert {i: baselines.random_key(3, i) for i in shuffled} == keys
    assert all(0 <= k < 1 for k in keys.values()) and baselines.random_key(4, 0) != keys[0]


def test_best_keeps_the_top_with_later_index_on_ties() -> None:
    best = baselines.Best(3)
    for index, score in enumerate([5, 1, 7, 5, 3, 7, 0]):
        best.offer(score, index)
    assert best.ranked() == [(5, 7), (2, 7), (3, 5)]
    assert baselines.Best(0).ranked() == []
    scores = [5, 1, 7, 5, 3, 7, 0]
    kept = top_k(scores, count=3)
    assert sorted(kept.rank, key=kept.rank.get) == [5, 2, 3]  # the same rule as selection.top_k
    lowest = top_k(scores, count=2, lowest=True)
    assert sorted(lowest.rank, key=lowest.rank.get) == [6, 1] and "above the lowest 2" in lowest.reasons[0].detail


def test_nonzero_lengths_count_special_tokens_and_skip_id_zero(tiny_dir) -> None:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_dir)
    texts = ["Give three tips.", "Hello <pad> world", ""]
    expected = [sum(1 for i in tokenizer(t)["input_ids"] if i != 0) for t in texts]
    assert baselines.nonzero_lengths(tokenizer, texts) == expected
    assert expected[2] == 1  # the BOS alone
    assert baselines.nonzero_lengths(tokenizer, []) == []


def reference_ratio(rows: Sequence[str]) -> float:
    data = ("[" + ", ".join(rows) + "]").encode()
    return len(data) / len(zlib.compress(data, 9))


def reference_zip(reprs: Sequence[str], budget: int, k1: int, k2: int, k3: int) -> list[int]:
    """ZIP.py as written: every candidate scored by recompressing the whole selection plus itself."""
    scores = [reference_ratio([r]) for r in reprs]
    final: list[int] = []
    while len(final) < budget:
        candidates = sorted((i for i in range(len(reprs)) if scores[i] < 1e6), key=lambda i: (scores[i], i))[:k1]
        if not candidates:
            break
        for c in candidates:
            scores[c] = reference_ratio([reprs[i] for i in final] + [reprs[c]])
        shortlist = sorted(candidates, key=lambda i: (scores[i], i))[:k2]
        for i in shortlist:
            scores[i] = 1e6
        chosen: list[int] = []
        while len(chosen) < min(k3, budget - len(final)) and len(chosen) < len(shortlist):
            left = [i for i in shortlist if i not in chosen]
            chosen.append(min(left, key=lambda i: (reference_ratio([reprs[j] for j in chosen] + [reprs[i]]), i)))
        final += chosen
    return final


def test_zip_prefix_trick_gives_the_reference_ratio_and_picks() -> None:
    rng = random.Random(1)
    words = "alpha beta gamma delta list sort python the of and".split()
    rows = [repr({"instruction": " ".join(rng.choice(words) for _ in range(rng.randint(2, 12))),
                  "output": " ".join(rng.choice(words) for _ in range(rng.randint(2, 60)))}) for _ in range(60)]
    prefix = compression._Prefix(rows[:7])
    assert prefix.ratio_with(rows[9]) == reference_ratio(rows[:7] + [rows[9]])
    assert compression._Prefix([]).ratio_with(rows[0]) == compression.ratio(f"[{rows[0]}]")
    assert compression.zip_select(rows, 13, k1=20, k2=8, k3=3) == reference_zip(rows, 13, 20, 8, 3)
    assert compression.zip_select([], 5) == []
    # Each round sets k2 = 2 aside and keeps k3 = 1: the other is never reconsidered, as in the reference.
    assert len(compression.zip_select(rows[:4], 10, k2=2, k3=1)) == 2


def test_kmeans_takes_the_sample_nearest_each_centroid() -> None:
    rng = np.random.default_rng(0)
    centres = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    points = np.concatenate([c + rng.normal(0, 0.3, size=(20, 2)) for c in centres])
    picks = baselines.kmeans_centroid_picks(points, 3, seed=0)
    assert sorted(p // 20 for p in picks) == [0, 1, 2]
    for p in picks:
        group = points[(p // 20) * 20:(p // 20 + 1) * 20]
        assert np.linalg.norm(points[p] - group.mean(0)) <= np.linalg.norm(group - group.mean(0), axis=1).min() + 1e-9
    assert baselines.kmeans_centroid_picks(points[:2], 5) in ([0, 1], [1, 0])


def test_overlap_and_pick_statistics() -> None:
    rows = compare.overlap({"a": [1, 2, 3], "b": [3, 4], "c": []})
    assert rows[0] == {"a": "a", "b": "b", "shared": 1, "jaccard": 0.25}
    assert rows[1]["jaccard"] == 0.0 and rows[2] == {"a": "b", "b": "c", "shared": 0, "jaccard": 0.0}
    stats = compare.PickStats()
    stats.add(10, 6, "the cat the cat")
    stats.add(4, 2, "a dog")
    summary = stats.summary()
    assert summary["mean_tokens"] == 7 and summary["median_tokens"] == 7 and summary["mean_response_tokens"] == 4
    assert summary["distinct_2"] == pytest.approx(3 / 4)  # the cat, cat the, the cat; a dog
    assert compare.PickStats().summary()["distinct_2"] is None


def test_embedding_diversity_equals_the_pairwise_mean() -> None:
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(7, 5))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    similarity = vectors @ vectors.T
    brute = 1 - (similarity.sum() - 7) / (7 * 6)
    assert compare.embedding_diversity(vectors.sum(0), 7) == pytest.approx(brute)
    assert compare.embedding_diversity(vectors[0], 1) is None
