from __future__ import annotations

import math

import pytest

from synthloom.plugins.selection.ifd import loss_ratio, mean_nll, ppl_ratio


def test_paper_worked_example() -> None:
    # Cherry LLM (arXiv 2308.12032): s(A) = 0.761 and s(A|Q) = 0.696 give IFD about 0.915.
    assert loss_ratio(0.696, 0.761) == pytest.approx(0.9146, abs=5e-4)


def test_perplexity_ratio_is_exp_of_the_loss_difference() -> None:
    assert ppl_ratio(0.696, 0.761) == pytest.approx(math.exp(0.696) / math.exp(0.761))
    # Orders differently from the loss ratio: that is why both are recorded.
    assert loss_ratio(2.0, 2.1) > loss_ratio(0.5, 0.55)
    assert ppl_ratio(2.0, 2.1) < ppl_ratio(0.5, 0.55)


def test_ppl_ratio_does_not_overflow_on_long_hard_answers() -> None:
    assert ppl_ratio(800.0, 801.0) == pytest.approx(math.exp(-1.0))


@pytest.mark.parametrize("conditioned, direct", [(None, 1.0), (1.0, None), (math.nan, 1.0), (1.0, math.inf)])
def test_undefined_ratios_are_none(conditioned: float | None, direct: float | None) -> None:
    assert loss_ratio(conditioned, direct) is None
    assert ppl_ratio(conditioned, direct) is None


def test_zero_direct_loss_has_no_loss_ratio() -> None:
    assert loss_ratio(0.5, 0.0) is None
    assert ppl_ratio(0.5, 0.0) == pytest.approx(math.exp(0.5))


def test_mean_nll() -> None:
    assert mean_nll([-1.0, -2.0, -3.0]) == pytest.approx(2.0)
    assert mean_nll([]) is None
