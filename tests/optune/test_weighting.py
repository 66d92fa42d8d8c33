"""OPTune's pure rules: pairing, reward-gap weights and the choice of prompts to regenerate, against values worked
out by hand."""

from __future__ import annotations

import pytest

from synthloom.plugins.optune.weighting import Choice, NoPreference, Scored, lowest, pair_up, pair_weights

# Rewards 3, 1, 4, 0: mean 2, population sd sqrt(10 / 4) = 1.5811; gaps 2 and 4 become 1.2649 and 2.5298.
PAIRS = [Choice(Scored("a", 3.0), Scored("b", 1.0)), Choice(Scored("c", 4.0), Scored("d", 0.0))]


def test_best_against_worst_and_no_pair_without_a_gap() -> None:
    choice = pair_up([Scored("mid", 0.5), Scored("best", 2.0), Scored("worst", -1.0), Scored("best too", 2.0)])
    assert choice == Choice(Scored("best", 2.0), Scored("worst", -1.0)) and choice.gap == 3.0
    assert pair_up([Scored("x", 1.0), Scored("y", 1.0)]) is None
    assert pair_up([Scored("alone", 5.0)]) is None and pair_up([]) is None


@pytest.mark.parametrize(("weighting", "expected"), [
    ("identity", [2 / 3, 4 / 3]),                    # 1.2649 : 2.5298 is 1 : 2, scaled to a mean of 1
    ("sigmoid", [0.914227, 1.085773]),               # 0.77987 and 0.92624, over their sum 1.70611, times 2
    ("exp", [0.440259, 1.559741]),                   # 3.5427 and 12.5507, over their sum 16.0934, times 2
])
def test_weights_by_hand(weighting: str, expected: list[float]) -> None:
    weights = pair_weights(PAIRS, weighting)  # type: ignore[arg-type]
    assert weights == pytest.approx(expected, rel=1e-5)
    assert sum(weights) == pytest.approx(len(weights))


def test_weights_do_not_depend_on_the_reward_scale_or_offset() -> None:
    shifted = [Choice(Scored(c.chosen.response, 10 * c.chosen.reward - 7), Scored(c.rejected.response,
                                                                                  10 * c.rejected.reward - 7))
               for c in PAIRS]
    for weighting in ("identity", "sigmoid", "exp"):
        assert pair_weights(shifted, weighting) == pytest.approx(pair_weights(PAIRS, weighting))  # type: ignore


def test_equal_rewards_are_a_clear_stop_not_a_division_by_zero() -> None:
    with pytest.raises(NoPreference, match="all 2 rewards equal 0.5"):
        pair_weights([Choice(Scored("x", 0.5), Scored("y", 0.5))])
    with pytest.raises(NoPreference, match="no pairs"):
        pair_weights([])


def test_lowest_fraction_with_unpaired_prompts_first() -> None:
    best = {"a": 0.9, "b": -1.0, "c": None, "d": 0.2, "e": 0.2}
    assert lowest(best, 0.5) == ["c", "b", "d"]  # ceil(2.5) = 3; no pair counts as lowest; d before e (given order)
    assert lowest(best, 1.0) == ["c", "b", "d", "e", "a"]
    assert lowest(best, 0.01) == ["c"] and lowest({}, 0.5) == []
