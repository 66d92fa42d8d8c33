"""A deterministic stand-in for the student's `score()`, for campaign tests that must not load a model.

Every token costs 2.0 nats alone. After a prompt it costs 1.0, plus 0.5 when the text went through instruction
reflection (it is harder), minus 0.4 for an instruction guessed back from a reflected, better answer (reversed IFD
goes down). That makes the Selective Reflection rule's branches predictable.
"""

from __future__ import annotations

from typing import Any

from synthloom.backends.base import ScoreRequest

HARDER = "step by step"
BETTER = "In more detail"
REVERSE = "please guess the corresponding instruction"


def score(request: ScoreRequest) -> dict[str, Any]:
    tokens = request.continuation.split() or ["."]
    if not request.prefix:
        loss = 2.0
    else:
        text = request.prefix + request.continuation
        loss = 1.0 + 0.5 * (HARDER in text) - 0.4 * (REVERSE in request.prefix and BETTER in request.prefix)
    return {"tokens": tokens, "logprobs": [-loss] * len(tokens)}
