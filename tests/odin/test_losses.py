"""ODIN's loss terms against hand-computed values."""

from __future__ import annotations

import math

import pytest
import torch

from synthloom.plugins.odin.losses import LossWeights, odin_loss, orthogonality, pearson, ranking_loss


def test_pearson_by_hand_and_when_constant() -> None:
    x, y = torch.tensor([1.0, 2.0, 3.0]), torch.tensor([2.0, 4.0, 7.0])
    # dx = (-1, 0, 1), dy = (-2.333, -0.333, 2.667): r = 5 / sqrt(2 * 12.667)
    assert pearson(x, y).item() == pytest.approx(5 / math.sqrt(2 * 38 / 3), rel=1e-6)
    constant = pearson(torch.tensor([1.0, 2.0], requires_grad=True), torch.tensor([5.0, 5.0]))
    assert constant.item() == 0.0 and constant.requires_grad  # no NaN, and it still backpropagates (to nothing)


def test_ranking_loss_per_pair_and_batch_summed() -> None:
    rewards = torch.tensor([[1.0, 0.5], [0.0, 0.0], [0.0, 0.5], [2.0, 0.0]])  # 2 chosen, then 2 rejected
    # summed rewards: chosen (1.5, 0), rejected (0.5, 2): deltas 1 and -2
    pairwise = (-math.log(1 / (1 + math.exp(-1))) - math.log(1 / (1 + math.exp(2)))) / 2
    assert ranking_loss(rewards).item() == pytest.approx(pairwise, rel=1e-6)
    assert ranking_loss(rewards, "batch_sum").item() == pytest.approx(-math.log(1 / (1 + math.exp(1))), rel=1e-6)


def test_orthogonality_is_the_absolute_cosine_of_the_heads() -> None:
    assert orthogonality(torch.tensor([[1.0, 0.0], [0.0, 3.0]])).item() == 0.0
    assert orthogonality(torch.tensor([[1.0, 1.0], [-2.0, 0.0]])).item() == pytest.approx(1 / math.sqrt(2))


def test_the_total_is_the_weighted_sum_of_its_terms() -> None:
    torch.manual_seed(0)
    rewards = torch.randn(8, 2, requires_grad=True)
    head = torch.randn(2, 5, requires_grad=True)
    lengths = torch.tensor([10.0, 40.0, 25.0, 5.0, 12.0, 33.0, 8.0, 19.0])
    parts = odin_loss(rewards, lengths, head)
    expected = (parts.ranking + (1 - parts.length_correlation) + abs(parts.quality_correlation)
                + parts.orthogonality)
    assert parts.total.item() == pytest.approx(expected, rel=1e-5)
    none = odin_loss(rewards, lengths, head, LossWeights(0.0, 0.0, 0.0))
    assert none.total.item() == pytest.approx(parts.ranking, rel=1e-6)  # the vanilla reward model's loss
    parts.total.backward()
    assert torch.isfinite(rewards.grad).all() and torch.isfinite(head.grad).all()
    assert rewards.grad[:, 1].abs().sum() > 0 and rewards.grad[:, 0].abs().sum() > 0
