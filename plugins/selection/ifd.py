"""The arithmetic of IFD and reversed IFD, with no model in sight, so that it can be checked by hand.

IFD (Cherry LLM) = s(A|Q) / s(A), where s is the mean negative log-likelihood of the answer tokens: how much the
instruction helps the model predict the answer. Near 1 the instruction barely helps (hard, or unrelated); above 1
it hurts, which marks a misaligned pair. Superfiltering and Selective Reflection-Tuning use the perplexity ratio
exp(s(A|Q)) / exp(s(A)) instead, which orders samples differently from the loss ratio, so both are kept.
"""

from __future__ import annotations

import math
from typing import Sequence


def mean_nll(logprobs: Sequence[float]) -> float | None:
    """s(.): the mean negative log-likelihood of scored tokens, or None when no token was scored."""
    if not logprobs:
        return None
    return -math.fsum(logprobs) / len(logprobs)


def loss_ratio(conditioned: float | None, direct: float | None) -> float | None:
    """s(A|Q) / s(A); None when either side is missing or the direct loss is zero (the ratio is undefined)."""
    if conditioned is None or direct is None or not _finite(conditioned, direct) or direct == 0:
        return None
    return conditioned / direct


def ppl_ratio(conditioned: float | None, direct: float | None) -> float | None:
    """exp(s(A|Q)) / exp(s(A)), computed as exp of the difference so that long, hard answers do not overflow."""
    if conditioned is None or direct is None or not _finite(conditioned, direct):
        return None
    return math.exp(conditioned - direct)


def _finite(*values: float) -> bool:
    return all(math.isfinite(v) for v in values)
