"""ODIN's training objective on one batch of preference pairs (arXiv 2402.07319, section 4).

The model has two linear heads on one pooled feature: a quality head (index 0) and a length head (index 1); the
reward that ranks is their sum. Over a batch of b pairs (2b sequences, chosen first):

    L = L_rank + lambda_L (1 - rho(r_L, len)) + lambda_Q |rho(r_Q, len)| + lambda_O |cos(w_Q, w_L)|

with `L_rank` the Bradley-Terry loss on the summed reward, rho Pearson's correlation over the batch's sequences
(chosen and rejected pooled) and len each response's length in tokens. The paper's per-pair ranking loss is the
default; `ranking="batch_sum"` is the released RLHFlow re-implementation's, which sums rewards over the whole batch
before one logistic loss. Setting `orthogonality=0` drops the weight term, as that re-implementation does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    import torch

QUALITY, LENGTH = 0, 1
Ranking = Literal["pairwise", "batch_sum"]


@dataclass(frozen=True)
class LossWeights:
    """The paper's (and the released scripts') lambda = 1.0 for every term."""

    length: float = 1.0
    decorrelation: float = 1.0
    orthogonality: float = 1.0
    ranking: Ranking = "pairwise"


def pearson(x: "torch.Tensor", y: "torch.Tensor") -> "torch.Tensor":
    """Pearson's r of two vectors; 0 (no gradient) when either is constant, which a batch of one pair or of equal
    lengths is, instead of the NaN that would poison every weight."""
    import torch

    dx, dy = x - x.mean(), y - y.mean()
    denominator = torch.sqrt((dx * dx).sum() * (dy * dy).sum())
    if denominator.item() <= 1e-12:
        return (x * 0).sum()
    return (dx * dy).sum() / denominator


def ranking_loss(rewards: "torch.Tensor", mode: Ranking = "pairwise") -> "torch.Tensor":
    """Bradley-Terry on the summed reward; `rewards` is (2b, 2), the b chosen sequences first."""
    import torch.nn.functional as F

    total = rewards.sum(-1)
    chosen, rejected = total.chunk(2)
    if mode == "batch_sum":
        return -F.logsigmoid(chosen.sum() - rejected.sum())
    return -F.logsigmoid(chosen - rejected).mean()


def orthogonality(head: "torch.Tensor") -> "torch.Tensor":
    """|cos| between the two heads' weight vectors (`head` is the (2, hidden) weight of the output layer)."""
    import torch.nn.functional as F

    unit = F.normalize(head, dim=-1)
    return (unit[QUALITY] * unit[LENGTH]).sum().abs()


@dataclass
class LossParts:
    total: "torch.Tensor"
    ranking: float
    length: float
    decorrelation: float
    orthogonality: float
    length_correlation: float
    quality_correlation: float


def odin_loss(rewards: "torch.Tensor", lengths: "torch.Tensor", head: "torch.Tensor",
              weights: LossWeights = LossWeights()) -> LossParts:
    """The loss of one batch and its parts (for logging)."""
    lengths = lengths.to(rewards.dtype)
    rank = ranking_loss(rewards, weights.ranking)
    rho_length = pearson(rewards[:, LENGTH], lengths)
    rho_quality = pearson(rewards[:, QUALITY], lengths)
    ortho = orthogonality(head)
    length_term, decorrelation_term = 1 - rho_length, rho_quality.abs()
    total = (rank + weights.length * length_term + weights.decorrelation * decorrelation_term
             + weights.orthogonality * ortho)
    return LossParts(total, rank.item(), length_term.item(), decorrelation_term.item(), ortho.item(),
                     rho_length.item(), rho_quality.item())
