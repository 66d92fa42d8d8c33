"""BSDetector's and CLEAR's rules as pure functions, checked by hand in tests/clear.

Observed consistency O = mean over the k samples of 0.8 s_j + 0.2 r_j, where s_j = 1 - (p_contra(y, y_j) +
p_contra(y_j, y)) / 2 (the NLI contradiction probability, both orders) and r_j = 1 when the sample's answer equals
the proposed one (then s_j = 1 without asking NLI, as uqlm does). Self-reflection certainty S = mean over the
answered reflection questions of A -> 1, B -> 0, C -> 0.5. Confidence C = 0.7 O + 0.3 S (uqlm's default BS Detector
weights 0.56 / 0.14 / 0.30). CLEAR keeps samples whose confidence is above the dataset's median, and replaces a
response by the fine-tuned model's when the judge's confidence that it is better exceeds 0.8.

Two rules the papers leave open, decided here: a reflection reply with no letter is counted and left out of S (S is
the mean of the rest; with none answered, S is 0.5, "not sure"); a sample whose NLI judgement is unreadable is left
out of the NLI part of O, which is then the mean of the rest (with none, 1 - the exact-match rate decides alone).
"""

from __future__ import annotations

import math
import re
import statistics
from dataclasses import dataclass
from typing import Literal, Sequence

ALPHA = 0.8   # weight of NLI consistency against exact match in O
BETA = 0.7    # weight of O against S in C
ETA = 0.8     # auto-correct threshold on the judge's confidence
LETTER_SCORES = {"A": 1.0, "B": 0.0, "C": 0.5}
NO_LETTER_CERTAINTY = 0.5

_ANSWER_FIELD = re.compile(r"answer\s*:", re.IGNORECASE)
_LETTER_AFTER_ANSWER = re.compile(r"answer\s*:?\s*[\[\(]?\s*([ABC])\b", re.IGNORECASE)
_LETTER_ALONE = re.compile(r"(?:^|[\s\[\(])\(?([ABC])\)?(?=$|[\s.,;:!\])])")
_PHRASES = (("not sure", "C"), ("unsure", "C"), ("incorrect", "B"), ("correct", "A"))
_SPACE = re.compile(r"\s+")
_YES_NO = re.compile(r"\b(yes|no)\b", re.IGNORECASE)


def extract_answer(reply: str) -> str:
    """The text after the last `answer:` of a templated reply (brackets, trailing period and spaces stripped), or
    the whole reply when there is no such field."""
    found = list(_ANSWER_FIELD.finditer(reply))
    text = reply[found[-1].end():] if found else reply
    return text.strip().rstrip(".").strip().strip("[]").strip()


def normalise(text: str) -> str:
    """How two answers are compared for exact match: case, surrounding punctuation and spacing aside."""
    return _SPACE.sub(" ", text).strip().strip("\"'`[]()").rstrip(".").strip().casefold()


def parse_letter(reply: str) -> str | None:
    """The reflection's choice: the letter after the last `answer:`, else a lone (A)/B/C after the word "answer",
    else a phrase ("not sure" -> C, "incorrect" -> B, "correct" -> A); None when the reply has none. A bare
    substring test ("A" in reply) would read the A of "Answer", so it is never used."""
    matches = _LETTER_AFTER_ANSWER.findall(reply)
    if matches:
        return matches[-1].upper()
    at = reply.lower().rfind("answer")
    if at >= 0:
        alone = _LETTER_ALONE.findall(reply[at + len("answer"):])
        if alone:
            return alone[-1].upper()
    lower = reply.lower()
    for phrase, letter in _PHRASES:
        if phrase in lower:
            return letter
    return None


def verdict(text: str) -> str:
    """A judge's sampled verdict as the word it chose: (A)/Yes -> "yes", (B)/No -> "no", else the normalised text."""
    answer = extract_answer(text)
    letter = re.match(r"^\(?([AB])\)?(?:\W|$)", answer.strip(), re.IGNORECASE)
    if letter:
        return "yes" if letter.group(1).upper() == "A" else "no"
    word = _YES_NO.search(answer)
    return word.group(1).lower() if word else normalise(answer)


@dataclass(frozen=True)
class Consistency:
    observed: float
    ncp: float | None       # mean non-contradiction over samples with a readable NLI judgement
    emr: float              # exact-match rate
    unread: int = 0         # samples whose NLI judgement could not be read


def observed_consistency(matches: Sequence[bool], contradictions: Sequence[tuple[float | None, float | None]],
                         alpha: float = ALPHA) -> Consistency:
    """O from each sample's exact match and its two contradiction probabilities (ignored where it matched)."""
    if not matches:
        raise ValueError("observed consistency needs at least one sample")
    emr = sum(matches) / len(matches)
    similar: list[float] = []
    unread = 0
    for matched, (forward, backward) in zip(matches, contradictions):
        if matched:
            similar.append(1.0)
        elif forward is None or backward is None:
            unread += 1
        else:
            similar.append(1.0 - (forward + backward) / 2)
    ncp = statistics.fmean(similar) if similar else None
    nli_part = ncp if ncp is not None else emr
    return Consistency(alpha * nli_part + (1 - alpha) * emr, ncp, emr, unread)


def certainty(letters: Sequence[str | None]) -> tuple[float, int]:
    """S over the reflection replies that chose a letter, and how many did not."""
    scores = [LETTER_SCORES[letter] for letter in letters if letter is not None]
    missing = len(letters) - len(scores)
    return (statistics.fmean(scores) if scores else NO_LETTER_CERTAINTY), missing


def confidence(observed: float, certainty_value: float, beta: float = BETA) -> float:
    return beta * observed + (1 - beta) * certainty_value


def median_filter(confidences: Sequence[float]) -> tuple[float, list[bool]]:
    """CLEAR's auto-filter: the median, and for each sample whether its confidence is strictly above it (ties at
    the median are filtered, so about half is kept)."""
    if not confidences:
        return math.nan, []
    gamma = statistics.median(confidences)
    return gamma, [c > gamma for c in confidences]


Action = Literal["kept", "corrected", "filtered"]


def correction(kept: bool, judge_says_better: bool, judge_confidence: float | None, eta: float = ETA) -> Action:
    """CLEAR's auto-correct: replace when the judge confidently (> eta) prefers the fine-tuned model's response;
    otherwise keep a sample the filter kept, and filter one it did not."""
    if judge_says_better and judge_confidence is not None and judge_confidence > eta:
        return "corrected"
    return "kept" if kept else "filtered"


def pair_from_row(row: dict, prompt_field: str = "prompt", response_field: str = "response") -> tuple[str, str] | str:
    """(prompt, response) from a data row: the two named string fields, or TRL `messages` with one user turn and
    the assistant turn after it; else why not, in words."""
    prompt, response = row.get(prompt_field), row.get(response_field)
    if isinstance(prompt, str) and isinstance(response, str):
        return prompt, response
    messages = row.get("messages")
    if isinstance(messages, list):
        roles = [m.get("role") if isinstance(m, dict) else None for m in messages]
        if roles[-2:] == ["user", "assistant"] and all(isinstance(m.get("content"), str) for m in messages[-2:]):
            return messages[-2]["content"], messages[-1]["content"]
        return "`messages` does not end with a user turn and an assistant turn"
    return f"row has no string fields {prompt_field!r} and {response_field!r} (nor TRL `messages`)"
