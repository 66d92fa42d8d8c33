"""Pure rules of the basic agents: reading a judge's score and deciding what a filter keeps."""

from __future__ import annotations

import re


def parse_score(text: str, pattern: str) -> float | None:
    """The last match of `pattern`'s first group in `text`, as a number; None when there is none."""
    found = re.findall(pattern, text)
    if not found:
        return None
    last = found[-1]
    return float(last[0] if isinstance(last, tuple) else last)


def filter_verdict(score: float | None, response: str, *, min_score: float | None,
                   max_response_chars: int | None) -> tuple[str, str] | None:
    """None to keep the item, else (reason code, detail) for the dropped record."""
    if min_score is not None and score is None:
        return "no_score", f"the judge gave no score (needs >= {min_score})"
    if min_score is not None and score is not None and score < min_score:
        return "low_score", f"score {score:g} below min_score {min_score:g}"
    if max_response_chars is not None and len(response) > max_response_chars:
        return "too_long", f"{len(response)} characters (max_response_chars {max_response_chars})"
    return None
