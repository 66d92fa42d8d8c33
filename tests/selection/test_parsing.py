from __future__ import annotations

import math

import numpy as np
import pytest

from synthloom import ConfigError, Row
from synthloom.plugins.selection.clusters import middle_band
from synthloom.plugins.selection.diversity import facility_location, k_center_greedy, similarity
from synthloom.plugins.selection.parsing import (
    AlpacaItem,
    VersionScores,
    alpaca_item,
    duplicates,
    reflection_choice,
    top_k,
)


def test_alpaca_rows_default_the_input_and_name_the_row_that_is_wrong() -> None:
    assert alpaca_item(Row("f:1", {"instruction": "Hi", "output": "Hello"})) == AlpacaItem("Hi", "", "Hello")
    with pytest.raises(ConfigError, match="f:2: sample has no string field.s. instruction, output"):
        alpaca_item(Row("f:2", {"instruction": 3}))
    with pytest.raises(ConfigError, match="not a JSON object") as error:
        alpaca_item(Row("f:3", ["a", "b"]))
    assert error.value.reason == "not_an_object"


def test_top_k_drops_missing_and_above_one_then_keeps_the_fraction_of_the_rest() -> None:
    scores = [0.5, 1.2, None, 0.9, math.nan, 0.7, 1.0, 0.2]
    result = top_k(scores, fraction=0.5, max_score=1.0)
    # valid: 0.5, 0.9, 0.7, 1.0 (1.0 is kept, as Cherry drops only > 1), 0.2 -> int(5 * 0.5) = 2
    assert result.kept == [3, 6]
    assert result.rank == {6: 0, 3: 1}
    assert result.reasons[1].code == "above_max_score" and "above 1.0" in result.reasons[1].detail
    assert result.reasons[2] == ("no_score", "no score") and result.reasons[4] == ("no_score", "no score")
    assert result.reasons[0].code == "below_cut" and "below the top 2" in result.reasons[0].detail
    assert set(result.reasons) | set(result.kept) == set(range(len(scores)))


def test_top_k_ties_go_to_the_later_sample_like_the_reference_sort() -> None:
    assert top_k([0.8, 0.8, 0.8], count=1, max_score=1.0).kept == [2]


def test_top_k_count_and_no_threshold_for_lengths() -> None:
    assert top_k([10, 300, 45, 300.5], count=2).kept == [1, 3]
    assert top_k([1.0], count=0).kept == []
    with pytest.raises(ValueError):
        top_k([1.0], fraction=0.5, count=1)


def test_duplicates_ignore_whitespace_and_case() -> None:
    items = [("Add 2 and 3.", "", "5"), ("add 2  and 3.", "", " 5 "), ("Add 2 and 3.", "x", "5"), ("Add 2 and 3.", "", "5")]
    assert duplicates(items) == {1: 0, 3: 0}


def v(ifd: float | None, rifd: float | None) -> VersionScores:
    return VersionScores(ifd, rifd)


def test_reflection_rule_takes_both_reflections_when_each_helped() -> None:
    choice = reflection_choice(v(0.5, 0.9), v(0.8, 0.95), v(0.5, 0.9), v(0.7, 0.6))
    assert choice.version == "both" and "raised IFD" in choice.why


def test_reflection_rule_takes_the_reflected_response_when_only_it_helped() -> None:
    assert reflection_choice(v(0.8, 0.9), v(0.7, 0.9), v(0.6, 0.5), v(0.9, 0.1)).version == "response"


def test_reflection_rule_requires_both_ratios_below_one() -> None:
    choice = reflection_choice(v(0.5, 0.9), v(0.8, 0.95), v(0.5, 0.9), v(1.02, 0.6))
    assert choice.version is None and "not below 1" in choice.why and choice.code == "not_below_one"


def test_reflection_rule_keeps_unreflected_versions_only_on_request() -> None:
    # Instruction reflection raised IFD but the reflected response made the instruction harder to guess.
    args = (v(0.5, 0.9), v(0.8, 0.7), v(0.5, 0.9), v(0.7, 0.8))
    assert reflection_choice(*args).version is None
    assert reflection_choice(*args).code == "no_reflected_response"
    assert reflection_choice(*args, keep_unreflected=True).version == "instruction"
    neither = (v(0.8, 0.5), v(0.7, 0.5), v(0.6, 0.6), v(0.9, 0.1))
    assert reflection_choice(*neither).version is None
    assert reflection_choice(*neither, keep_unreflected=True).version == "original"


def test_reflection_rule_treats_missing_scores_as_nan_like_the_reference() -> None:
    # NaN > x is False: an unscored instruction reflection never counts as an improvement.
    assert reflection_choice(v(0.5, 0.9), v(None, None), v(0.4, 0.5), v(0.7, 0.1)).version == "response"
    assert reflection_choice(v(0.5, 0.9), v(None, None), v(None, None), v(0.7, 0.1)).version is None


def test_middle_band_follows_the_reference_sampler() -> None:
    labels = [0] * 9 + [1] * 2
    values = [5, 1, 9, 3, 7, 2, 8, 4, 6, 100, 200]
    picked = middle_band(labels, values, per_cluster=2, low=25, high=75)
    # cluster 0: percentiles 3 and 7 -> band members (in index order) 0, 3, 4, 7, 8 -> stride 2 -> 0, 4
    # cluster 1: fewer members than per_cluster? no, exactly 2 -> band 25..75 of (100, 200) -> none inside but the
    # band has fewer than per_cluster members, so all of the band (empty) is kept
    assert picked == [0, 4]
    assert middle_band([0, 0, 0], [1, 2, 3], per_cluster=5) == [0, 1, 2]


def blobs() -> np.ndarray:
    rng = np.random.default_rng(0)
    centers = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    points = [centers[i] + rng.normal(scale=0.3, size=2) for i in (0, 0, 0, 0, 0, 0, 1, 1, 2)]
    return np.array(points)


def test_facility_location_picks_one_representative_per_cluster_first() -> None:
    points = blobs()
    picks = facility_location(points, 3)
    assert picks[0] in range(6)  # the densest cluster's representative has the largest gain
    assert {0 if p < 6 else 1 if p < 8 else 2 for p in picks} == {0, 1, 2}


def test_facility_location_greedy_matches_brute_force_gain_at_each_step() -> None:
    points = np.random.default_rng(1).normal(size=(12, 3))
    sim = similarity(points)
    picks = facility_location(points, 4)
    for step in range(1, 5):
        chosen = picks[:step - 1]
        value = lambda s: sim[:, s].max(axis=1).sum() if s else 0.0  # noqa: E731
        best = max((j for j in range(12) if j not in chosen), key=lambda j: value(chosen + [j]))
        assert value(chosen + [picks[step - 1]]) == pytest.approx(value(chosen + [best]))


def test_euclidean_kernel_is_submodlibs() -> None:
    x = np.array([[0.0, 0.0], [3.0, 4.0]])
    assert similarity(x)[0, 1] == pytest.approx(math.exp(-5.0 / 2))
    assert similarity(x, "cosine")[0, 0] == pytest.approx(0.0)


def test_k_center_covers_the_outliers() -> None:
    points = blobs()
    picks = k_center_greedy(points, 3, first=0)
    assert picks[0] == 0 and len(set(picks)) == 3
    assert {0 if p < 6 else 1 if p < 8 else 2 for p in picks} == {0, 1, 2}
    assert k_center_greedy(points, 50)[:1] == [0] and len(k_center_greedy(points, 50)) == len(points)
