"""Stop strings for backends that cannot stop on them natively (they stop on tokens, not text)."""

from __future__ import annotations

from typing import Sequence


def cut_at_stop(text: str, stops: Sequence[str]) -> tuple[str, bool]:
    """`text` up to (not including) the earliest stop string, and whether one was found.

    Like the OpenAI API, the stop string itself is not part of the output.
    """
    cut = min((i for i in (text.find(s) for s in stops if s) if i >= 0), default=-1)
    if cut < 0:
        return text, False
    return text[:cut], True
