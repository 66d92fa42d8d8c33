"""Pure rules: which candidates are duplicates, consistency, reading rewrite replies, easy negatives."""

from __future__ import annotations

import random

import pytest

from synthloom.plugins.kbert.parsing import (
    Duplicate,
    consistent,
    duplicates,
    parse_rewrite,
    random_negatives,
)


def test_a_chain_is_matched_to_its_first_kept_item() -> None:
    # 0~1 and 1~2 and 0~2: 1 and 2 both go against 0, never 2 against the dropped 1
    found = duplicates(3, [(0, 1), (1, 2), (0, 2)], [0.9, 0.95, 0.6], 0.5)
    assert found == [Duplicate(1, 0, 0.9), Duplicate(2, 0, 0.6)]


def test_the_best_kept_match_wins_and_the_threshold_holds() -> None:
    assert duplicates(3, [(0, 2), (1, 2)], [0.7, 0.8], 0.5) == [Duplicate(2, 1, 0.8)]
    assert duplicates(3, [(0, 2), (1, 2)], [0.4, 0.49], 0.5) == []
    assert duplicates(2, [(0, 1)], [0.5], 0.5) == [Duplicate(1, 0, 0.5)]


def test_a_malformed_candidate_is_refused() -> None:
    with pytest.raises(ValueError, match="not \\(earlier, later\\)"):
        duplicates(2, [(1, 0)], [0.9], 0.5)
    with pytest.raises(ValueError):
        duplicates(2, [(0, 1)], [], 0.5)


def test_consistency_needs_every_back_translation() -> None:
    assert consistent([0.9, 0.6], 0.5)
    assert not consistent([0.9, 0.4], 0.5)
    assert consistent([], 0.5)


@pytest.mark.parametrize("reply, expected", [
    ("Reply using emojis alone.", ("Reply using emojis alone.", "")),
    ("Rewritten instruction: \"Reply using emojis alone.\"\nHope this helps!", ("Reply using emojis alone.", "")),
    ("- Respond only with emoji\n- another", ("Respond only with emoji", "")),
    ("1. Respond only with emoji", ("Respond only with emoji", "")),
    ("\n\n   \n", (None, "empty_reply")),
    ("Answer with emoji only!", (None, "unchanged")),
])
def test_parse_rewrite(reply: str, expected: tuple[str | None, str]) -> None:
    assert parse_rewrite(reply, "Answer with emoji only") == expected


def test_random_negatives_pair_each_anchor_with_another_anchors_text() -> None:
    pairs = [("a x", "a y"), ("a x", "a z"), ("b x", "b y"), ("c x", "c y")]
    got = random_negatives(pairs, 1, random.Random(0))
    assert [anchor for anchor, _ in got] == ["a x", "b x", "c x"]
    for anchor, other in got:
        assert other.split()[0] != anchor.split()[0]
    assert random_negatives(pairs, 0, random.Random(0)) == []
    assert len(random_negatives(pairs, 10, random.Random(0))) == 2 + 3 + 3  # as many as there are
