"""FastClass's pure parts against values worked out by hand: retrieval pools, the cost-aware facility-location
ranking, prediction entropy, the size choice, and the checks on class descriptions."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from synthloom import ConfigError
from synthloom.plugins.fastclass.classifier import entropy_bits
from synthloom.plugins.fastclass.evaluation import accuracies, gold_index
from synthloom.plugins.fastclass.method import LabelSettings, label
from synthloom.plugins.fastclass.parsing import (ClassSpec, check, class_from_value, corpus_rows, has_text,
                                                 read_classes)
from synthloom.plugins.fastclass.retrieval import pool_size, retrieve
from synthloom.plugins.fastclass.submodular import facility_location, similarity

# cos(v0, v1) = 0.8, cos(v0, v2) = 0, cos(v1, v2) = 0.6; similarity is the squared cosine: 0.64, 0, 0.36
THREE = np.array([[1.0, 0.0], [0.8, 0.6], [0.0, 1.0]])


def unit(angle_degrees: float) -> list[float]:
    radians = math.radians(angle_degrees)
    return [math.cos(radians), math.sin(radians)]


def test_similarity_is_the_squared_cosine() -> None:
    assert similarity(THREE) == pytest.approx(np.array([[1, 0.64, 0], [0.64, 1, 0.36], [0, 0.36, 1]]))


def test_facility_location_greedy_by_hand() -> None:
    # gains from nothing: v0 1 + 0.64 = 1.64, v1 0.64 + 1 + 0.36 = 2.0, v2 0.36 + 1 = 1.36: v1 first;
    # then v0 adds 1 - 0.64 = 0.36 and v2 adds 1 - 0.36 = 0.64: v2, then v0
    assert facility_location(THREE) == [1, 2, 0]
    # per unit of cost (0.1, 0.5, 0.5): 16.4, 4.0, 2.72: v0 first; then v1 (0.36 + 0.36) / 0.5 = 1.44 and
    # v2 1 / 0.5 = 2.0: v2, then v1
    assert facility_location(THREE, [0.1, 0.5, 0.5]) == [0, 2, 1]
    assert facility_location(THREE, [0.1, 0.5, 0.5], budget=0.6) == [0, 2]  # 0.1 + 0.5 spends the budget
    assert facility_location(THREE, [0.1, 0.7, 0.7], budget=0.6) == [0]  # the rest would overspend: skipped
    assert facility_location(np.zeros((0, 2))) == []


def test_a_perfect_retrieval_score_costs_little_not_nothing() -> None:
    assert facility_location(THREE, [0.0, 0.5, 0.5]) == [0, 2, 1]  # cost 0 floored: no division by zero


def test_pools_take_the_most_similar_documents_of_each_class() -> None:
    documents = np.array([unit(a) for a in (0, 10, 20, 80, 85, 30)])
    classes = np.array([unit(0), unit(90)])
    assert pool_size(6, 2, 0.5) == 1 and pool_size(1000, 10, 0.1) == 10 and pool_size(3, 2, 0.1) == 1
    first, second = retrieve(documents, classes, share=1.0)  # 3 per class
    assert first.documents == [0, 1, 2] and second.documents == [4, 3]  # 30 degrees is nearer 0 than 90
    assert first.scores[0] == pytest.approx(1.0) and second.scores[0] == pytest.approx(math.cos(math.radians(5)))


def test_entropy_in_bits() -> None:
    assert entropy_bits([0, 0, 1, 1]) == pytest.approx(1.0)
    assert entropy_bits([0, 0, 0, 1]) == pytest.approx(-(0.75 * math.log2(0.75) + 0.25 * math.log2(0.25)))
    assert entropy_bits([2, 2]) == 0.0 and entropy_bits([]) == 0.0


def clusters() -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Ten documents near 10 degrees and ten near 80, the classes at 0 and 90."""
    angles = [10 + d for d in range(-5, 5)] + [80 + d for d in range(-5, 5)]
    return np.array([unit(a) for a in angles]), np.array([unit(0), unit(90)]), ["east"] * 10 + ["north"] * 10


def test_label_end_to_end_on_two_clusters() -> None:
    documents, classes, gold = clusters()
    outcome = label(documents, classes, LabelSettings(pool=0.6, keep=(0.5, 1.0)))  # pools of int(10 * 0.6) = 6
    assert [len(p.documents) for p in outcome.pools] == [6, 6]
    assert set(outcome.entropies) == {0.5, 1.0} and outcome.entropies[1.0] == pytest.approx(1.0)
    assert outcome.keep == 1.0  # equal entropies: the later (larger) candidate, as the reference's `>=`
    assert len(outcome.labelled) == 12 and {c.rank for c in outcome.labelled} == set(range(6))
    found = accuracies(outcome, documents, gold, ["east", "north"])
    assert found == {"pseudo_label_accuracy": 1.0, "classifier_accuracy": 1.0}


def test_a_class_nothing_resembles_gets_no_classifier() -> None:
    documents, _, _ = clusters()
    outcome = label(documents, np.array([unit(0), unit(-90)]), LabelSettings(pool=0.6, keep=(0.5,)))
    assert outcome.pools[1].documents == [] and outcome.classifier is None and outcome.entropies == {0.5: None}
    assert {c.label for c in outcome.labelled} == {0}


def test_gold_labels_by_name_or_index() -> None:
    names = ["negative", "positive"]
    assert [gold_index(v, names) for v in ("positive", 0, "1", 2, "neutral", None)] == [1, 0, 1, None, None, None]


def test_bad_class_descriptions_and_corpora_are_refused() -> None:
    pair = [ClassSpec("good", "a good film"), ClassSpec("bad", "a bad film")]
    check(pair, 10, "here")
    with pytest.raises(ConfigError, match="'good' and 'great' have the same description"):
        check([ClassSpec("good", "a good film"), ClassSpec("great", "A good  film")], 10, "here")
    with pytest.raises(ConfigError, match="corpus has 1 document"):
        check(pair, 1, "here")
    with pytest.raises(ConfigError, match="at least two"):
        check(pair[:1], 10, "here")
    with pytest.raises(ConfigError, match="same name"):
        check([ClassSpec("x", "one"), ClassSpec("x", "two")], 10, "here")


def test_classes_from_text_lines_and_rows(tmp_path: Path) -> None:
    lines = tmp_path / "classes.txt"
    lines.write_text("negative\n\npositive \n", encoding="utf-8")
    assert read_classes(lines) == [ClassSpec("negative", "negative"), ClassSpec("positive", "positive")]
    rows = tmp_path / "classes.jsonl"
    rows.write_text('{"name": "sport", "description": "a match or a race"}\n{"name": "food"}\n', encoding="utf-8")
    assert read_classes(rows) == [ClassSpec("sport", "a match or a race"), ClassSpec("food", "")]
    assert ClassSpec("food").text == "food"
    with pytest.raises(ConfigError, match="non-empty name"):
        class_from_value({"description": "no name"}, "here")


def test_corpus_rows_from_text_lines_and_rows(tmp_path: Path) -> None:
    lines = tmp_path / "corpus.txt"
    lines.write_bytes(b"First document.\n\nThird one.\n\xff not UTF-8\n")
    rows = list(corpus_rows(lines, "text"))
    assert rows == [(f"{lines}:1", {"text": "First document."}), (f"{lines}:3", {"text": "Third one."}),
                    (f"{lines}:4", {"text": None})]  # blank lines skipped, the undecodable one kept to be reported
    assert [has_text(row, "text") for _, row in rows] == [True, True, False]
    table = tmp_path / "corpus.jsonl"
    table.write_text('{"text": "A review.", "gold": "positive"}\n{"body": "no text field"}\n', encoding="utf-8")
    assert [has_text(row, "text") for _, row in corpus_rows(table, "text")] == [True, False]
