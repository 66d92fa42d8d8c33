"""Pure rules of the kbert agents: which candidate pairs are duplicates, whether back-translations are consistent,
and what a paraphrase or edit reply contains. No model, no store, no files."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Sequence

from synthloom.plugins.kbert.prior import words

# A reply's first line often carries a label or list marker before the instruction itself.
_LABEL = re.compile(r"^\s*(?:[-*•]|\d+[.)])?\s*(?:(?:rewritten|paraphrased|changed|new|edited)?\s*instruction\s*:)?\s*",
                    re.IGNORECASE)


@dataclass(frozen=True)
class Duplicate:
    item: int
    match: int
    score: float


def duplicates(count: int, candidates: Sequence[tuple[int, int]], scores: Sequence[float],
               threshold: float) -> list[Duplicate]:
    """Items (by position) that duplicate an earlier item, in order. An item is matched to its best-scoring earlier
    candidate that is itself kept, when that score reaches `threshold`; so a chain a~b~c drops b and c against a,
    never c against an already dropped b."""
    by_item: dict[int, list[tuple[float, int]]] = {}
    for (earlier, later), score in zip(candidates, scores, strict=True):
        if not 0 <= earlier < later < count:
            raise ValueError(f"candidate pair {(earlier, later)} is not (earlier, later) within {count} items")
        by_item.setdefault(later, []).append((score, earlier))
    dropped: dict[int, Duplicate] = {}
    for later in sorted(by_item):
        live = [(score, earlier) for score, earlier in by_item[later] if earlier not in dropped]
        if live:
            score, earlier = max(live, key=lambda found: (found[0], -found[1]))
            if score >= threshold:
                dropped[later] = Duplicate(later, earlier, score)
    return list(dropped.values())


def consistent(scores: Sequence[float], threshold: float) -> bool:
    """AutoIF drops an instruction when any back-translation contradicts it; here, when any scores below
    `threshold`."""
    return all(score >= threshold for score in scores)


def same_words(a: str, b: str) -> bool:
    return words(a) == words(b)


def parse_rewrite(reply: str, original: str) -> tuple[str | None, str]:
    """(the rewritten instruction, "") or (None, reason code): the first non-empty line, without list markers,
    labels or surrounding quotes; a copy of the original or a reply with no words is refused."""
    line = next((l for l in reply.splitlines() if l.strip()), "")
    text = _LABEL.sub("", line, count=1).strip().strip("\"'“”‘’`").strip()
    if not words(text):
        return None, "empty_reply"
    if same_words(text, original):
        return None, "unchanged"
    return text, ""


def random_negatives(pairs: Sequence[tuple[str, str]], per_anchor: int, rng: random.Random) -> list[tuple[str, str]]:
    """Easy negatives: each distinct anchor (first text) against `per_anchor` second texts of other anchors.

    They teach the model that unrelated instructions are not duplicates; they are noisy where two anchors are
    themselves near-duplicates (the very case dedup is for), so keep `per_anchor` small."""
    anchors = list(dict.fromkeys(a for a, _ in pairs))
    out: list[tuple[str, str]] = []
    for anchor in anchors:
        others = sorted({b for a, b in pairs if a != anchor and not same_words(b, anchor)})
        out += [(anchor, b) for b in rng.sample(others, min(per_anchor, len(others)))]
    return out
