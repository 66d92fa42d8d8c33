"""Pure rules of the basic agents: reading a judge's score, deciding what a filter keeps, reading vision rows."""

from __future__ import annotations

import re
from typing import Any

from synthloom import RowError

IMAGE_TAG = "<image>"


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


def visual_row(value: dict[str, Any], where: str) -> tuple[str, str, str | None]:
    """(image name, question, reference answer or None) of a LLaVA-style row (`image` and `conversations`, whose
    first `human` turn is the question, with LLaVA's `<image>` tag taken out, and whose first `gpt` turn is the
    reference) or of a SIMA prompt row (`image`, `text`, `ground_truth`). Later turns are not used."""
    image = value.get("image")
    if not isinstance(image, str) or not image:
        raise RowError("missing_field", "row has no string field 'image'", where=where,
                       hint="name the image file, relative to the image folder, in `image`")
    turns = value.get("conversations")
    if isinstance(turns, list):
        human = next((t.get("value") for t in turns if isinstance(t, dict) and t.get("from") == "human"), None)
        gpt = next((t.get("value") for t in turns if isinstance(t, dict) and t.get("from") == "gpt"), None)
        question, reference = human, gpt
    else:
        question, reference = value.get("text"), value.get("ground_truth")
    if not isinstance(question, str) or not question.replace(IMAGE_TAG, "").strip():
        raise RowError("missing_field", "row has no question: neither a `human` turn in `conversations` nor `text`",
                       where=where, hint="LLaVA rows need conversations; SIMA prompt rows need text")
    return image, question.replace(IMAGE_TAG, "").strip(), reference if isinstance(reference, str) else None
