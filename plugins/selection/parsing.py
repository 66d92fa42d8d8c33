"""Pure rules of the selection plugin: reading an Alpaca-format row, and selecting over scores already computed
(top-k by score, duplicates, Selective Reflection's four-version rule).

They work on plain values and indices, so that each published rule can be checked against its reference script
without a model or a campaign. A rule says why it dropped each index as a `Reason`: a stable code for queries
(`SELECT reason, count(*) FROM dropped`) and prose with the numbers for people.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import NamedTuple, Sequence

from synthloom import Row, RowError

ALPACA_HINT = 'each sample must be an object with string fields "instruction", "output" and optionally "input"'


@dataclass(frozen=True)
class AlpacaItem:
    """One Alpaca-format sample, the unit every scoring rule reads."""

    instruction: str
    input: str
    output: str


def alpaca_item(row: Row) -> AlpacaItem:
    """The sample in a data file's row; a missing `input` is empty, as in the reference scripts."""
    if not isinstance(row.value, dict):
        raise RowError("not_an_object", "sample is not a JSON object", where=row.where, hint=ALPACA_HINT)
    fields = {"instruction": row.value.get("instruction"), "input": row.value.get("input", ""),
              "output": row.value.get("output")}
    bad = [name for name, value in fields.items() if not isinstance(value, str)]
    if bad:
        raise RowError("missing_field", f"sample has no string field(s) {', '.join(bad)}", where=row.where,
                       hint=ALPACA_HINT)
    return AlpacaItem(**fields)  # type: ignore[arg-type]


class Reason(NamedTuple):
    """Why a sample was dropped: `code` is stable (the `reason` of a dropped item), `detail` says it with numbers."""

    code: str
    detail: str


@dataclass
class Selection:
    """Which indices a rule kept (in input order), each kept index's rank (0 = best), and why the others went."""

    kept: list[int] = field(default_factory=list)
    rank: dict[int, int] = field(default_factory=dict)
    reasons: dict[int, Reason] = field(default_factory=dict)


def _missing(value: float | None) -> bool:
    return value is None or math.isnan(value)


def top_k(scores: Sequence[float | None], *, fraction: float | None = None, count: int | None = None,
          max_score: float | None = None, lowest: bool = False) -> Selection:
    """Cherry LLM's rule (`data_by_IFD.py`): drop missing scores and scores above `max_score`, then keep the
    highest `count`, or `int(fraction * remaining)`; ties go to the later sample, as in its sort of (score, index).
    `lowest` keeps the lowest scores instead (ties again to the later sample).
    """
    if (fraction is None) == (count is None):
        raise ValueError("give exactly one of fraction or count")
    result = Selection()
    valid: list[tuple[float, int]] = []
    for index, score in enumerate(scores):
        if _missing(score):
            result.reasons[index] = Reason("no_score", "no score")
        elif max_score is not None and score > max_score:  # type: ignore[operator]
            result.reasons[index] = Reason(
                "above_max_score", f"score {score:.4f} above {max_score} (instruction does not help the answer)")
        else:
            valid.append((float(score), index))  # type: ignore[arg-type]
    valid.sort(key=lambda pair: (-pair[0] if lowest else pair[0], pair[1]))
    budget = count if count is not None else int(len(valid) * fraction)  # type: ignore[operator]
    winners = valid[len(valid) - budget:] if budget > 0 else []
    for rank, (_, index) in enumerate(reversed(winners)):
        result.rank[index] = rank
    cut = "above the lowest" if lowest else "below the top"
    for score, index in valid[: len(valid) - len(winners)]:
        result.reasons[index] = Reason("below_cut", f"score {score:.4f} {cut} {budget}")
    result.kept = sorted(result.rank)
    return result


_SPACE = re.compile(r"\s+")


def _normal(text: str) -> str:
    return _SPACE.sub(" ", text).strip().casefold()


def duplicates(items: Sequence[tuple[str, ...]]) -> dict[int, int]:
    """Index of each repeated item -> index of its first occurrence; whitespace and case do not count."""
    first: dict[tuple[str, ...], int] = {}
    found: dict[int, int] = {}
    for index, item in enumerate(items):
        key = tuple(_normal(part) for part in item)
        if key in first:
            found[index] = first[key]
        else:
            first[key] = index
    return found


@dataclass(frozen=True)
class VersionScores:
    """IFD and reversed IFD (perplexity ratios, as the reference uses) of one version of a sample."""

    ifd: float | None
    rifd: float | None

    def nan(self) -> tuple[float, float]:
        return (math.nan if self.ifd is None else self.ifd, math.nan if self.rifd is None else self.rifd)


@dataclass(frozen=True)
class Choice:
    """The version the rule keeps (None: none), why in words, and, when none, the code of the dropped versions."""

    version: str | None
    why: str
    code: str | None = None


def reflection_choice(original: VersionScores, instruction: VersionScores, response: VersionScores,
                      both: VersionScores, keep_unreflected: bool = False) -> Choice:
    """Selective Reflection-Tuning's rule (`get_select_data.py`): which version of a sample to keep, and why.

    A reflected instruction is taken when it raised IFD (harder for the student); then a reflected response is taken
    when it lowered reversed IFD (the instruction became easier to guess from it). The chosen version must have
    both ratios below 1. The reference keeps only versions whose response was reflected (its two other appends are
    commented out); `keep_unreflected` restores them. Missing scores compare as NaN, as in the reference.
    """
    ori_ifd, ori_rifd = original.nan()
    q_ifd, q_rifd = instruction.nan()
    a_ifd, a_rifd = response.nan()
    qa_ifd, qa_rifd = both.nan()
    if q_ifd > ori_ifd:
        if qa_rifd < q_rifd:
            chosen, ifd, rifd, why = "both", qa_ifd, qa_rifd, "instruction reflection raised IFD, response " \
                                                               "reflection lowered r-IFD"
        else:
            chosen, ifd, rifd, why = "instruction", q_ifd, q_rifd, "instruction reflection raised IFD, response " \
                                                                   "reflection did not lower r-IFD"
    elif a_rifd < ori_rifd:
        chosen, ifd, rifd, why = "response", a_ifd, a_rifd, "instruction reflection did not raise IFD, " \
                                                            "response reflection lowered r-IFD"
    else:
        chosen, ifd, rifd, why = "original", ori_ifd, ori_rifd, "neither reflection improved the sample"
    if chosen in ("instruction", "original") and not keep_unreflected:
        return Choice(None, why + "; the reference keeps only versions with a reflected response",
                      "no_reflected_response")
    if not (ifd < 1 and rifd < 1):
        return Choice(None, why + f"; but its IFD {ifd:.4f} or r-IFD {rifd:.4f} is not below 1", "not_below_one")
    return Choice(chosen, why)
