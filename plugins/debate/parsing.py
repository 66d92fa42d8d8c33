"""The pure rules of DEBATunE: reading a debater's argument list and a judge's percentages.

Argument lists. The reference keeps `re.findall(r'\\d+\\.\\s(.*?\\.?)\\s*(?=\\d+\\.|$)', reply)[:arg_num]`, which
(checked by running it) drops the last item when prose follows the list, cuts an item at a decimal number ("3.5"),
loses an item that wraps onto a second line, and finds nothing in "1) ..." lists. `compat` keeps that rule; the
default reads the reply line by line instead:

1. numbered lines (`1.`, `1)`, `(1)`, `1:`, also inside `**...**`) start items; a following indented line continues
   the item; anything else (a blank line, unindented prose) ends it;
2. only when no line is numbered: bulleted lines (`-`, `*`, `•`) are the items;
3. otherwise the reply has no arguments, and the side is dropped with a reason.

Markdown emphasis (`**`, `__`) is removed from items. In both modes empty items and repeats (the same text, case and
spacing aside; the reference's dict keys collapse them) are left out, each with its reason, and the first `arg_num`
remaining are kept.

Judge replies. The reference's `parse_score` takes the first line, replaces commas with spaces and splits on single
spaces: exactly two parts that are floats, else the reply is unparsed. So it rejects "100, 0", "100% 0%", and any
leading words. `lenient` accepts the first non-empty line when it holds exactly two numbers (percent signs and
words allowed). Parsed values are then checked: both within 0-100 and adding up to 100 is `ok`; otherwise
`out_of_range` or `inconsistent`, which the metric still scores by their numbers, as the reference does, and counts.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Literal

REFERENCE_ARGUMENTS = re.compile(r"\d+\.\s(.*?\.?)\s*(?=\d+\.|$)")
_NUMBERED = re.compile(r"^\s*(?:\*\*|__)?\(?\d{1,2}[.):](?:\*\*|__)?\s+(.*\S)\s*$")
_BULLET = re.compile(r"^\s*[-*•]\s+(.*\S)\s*$")
_EMPHASIS = re.compile(r"\*\*|__")
_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?")

Rule = Literal["given", "reference", "numbered", "bulleted", "none"]
JudgeStatus = Literal["ok", "inconsistent", "out_of_range", "unparsed"]


@dataclass(frozen=True)
class Arguments:
    """What a debater's list yields: the kept arguments, the rule that found them, the items left out as unusable
    (reason code, item), and the usable ones beyond `arg_num` (not debated, as in the reference)."""

    kept: list[str]
    rule: Rule
    left_out: list[tuple[str, str]] = field(default_factory=list)
    spare: list[str] = field(default_factory=list)


def _numbered_items(lines: list[str]) -> list[str]:
    items: list[str] = []
    open_item = False
    for line in lines:
        found = _NUMBERED.match(line)
        if found:
            items.append(found.group(1))
            open_item = True
        elif open_item and line.strip() and line[:1].isspace():
            items[-1] = f"{items[-1]} {line.strip()}"
        else:
            open_item = False
    return items


def _items(reply: str, compat: bool) -> tuple[list[str], Rule]:
    if compat:
        return REFERENCE_ARGUMENTS.findall(reply), "reference"
    lines = reply.splitlines()
    numbered = _numbered_items(lines)
    if numbered:
        return numbered, "numbered"
    bulleted = [found.group(1) for found in map(_BULLET.match, lines) if found]
    return bulleted, "bulleted" if bulleted else "none"


def distinct_arguments(items: list[str], arg_num: int, rule: Rule, *, clean: bool = True) -> Arguments:
    """The first `arg_num` distinct, non-empty items (emphasis removed when `clean`), the others with reasons."""
    kept: list[str] = []
    spare: list[str] = []
    left_out: list[tuple[str, str]] = []
    seen: set[str] = set()
    for item in items:
        text = (_EMPHASIS.sub("", item) if clean else item).strip()
        key = " ".join(text.lower().split())
        if not key:
            left_out.append(("empty_argument", item))
        elif key in seen:
            left_out.append(("duplicate_argument", text))
        else:
            seen.add(key)
            (kept if len(kept) < arg_num else spare).append(text)
    return Arguments(kept, rule, left_out, spare)


def parse_arguments(reply: str, arg_num: int, *, compat: bool = False) -> Arguments:
    """The arguments of a debater's list, by the reference's regular expression with `compat`, else line by line
    (see the module's rules)."""
    items, rule = _items(reply, compat)
    return distinct_arguments(items, arg_num, rule, clean=not compat)


@dataclass(frozen=True)
class JudgeScore:
    """A judge's (support %, oppose %), None when unparsed, and what the numbers look like."""

    support: float | None
    oppose: float | None
    status: JudgeStatus


def _two_numbers(text: str, lenient: bool) -> tuple[float, float] | None:
    if lenient:
        first = next((line for line in text.splitlines() if line.strip()), "")
        numbers = _NUMBER.findall(first)
        return (float(numbers[0]), float(numbers[1])) if len(numbers) == 2 else None
    parts = text.split("\n")[0].replace(",", " ").split(" ")
    if len(parts) != 2:
        return None
    try:
        values = float(parts[0]), float(parts[1])
    except ValueError:
        return None
    return values if all(math.isfinite(v) for v in values) else None


def parse_judge_reply(text: str, *, lenient: bool = False) -> JudgeScore:
    """The judge's first line as (support, oppose) percentages, by the reference's rule unless `lenient`."""
    values = _two_numbers(text, lenient)
    if values is None:
        return JudgeScore(None, None, "unparsed")
    support, oppose = values
    if not (0 <= support <= 100 and 0 <= oppose <= 100):
        return JudgeScore(support, oppose, "out_of_range")
    if abs(support + oppose - 100) > 1e-6:
        return JudgeScore(support, oppose, "inconsistent")
    return JudgeScore(support, oppose, "ok")


def controlled(side: str, score: JudgeScore) -> bool:
    """The reference's test: a response is good only when the side it was asked for gets exactly 100 percent (the
    other number is not looked at)."""
    value = score.support if side == "affirmative" else score.oppose
    return value == 100


def judgement(side: str, review: str, *, lenient: bool = False) -> dict[str, Any]:
    """What a judge's `review` of a response asked to argue `side` says, as the fields a judgement records."""
    score = parse_judge_reply(review, lenient=lenient)
    return {"support": score.support, "oppose": score.oppose, "status": score.status,
            "controlled": controlled(side, score), "review": review}
