"""ProbDiff's arithmetic and decision rules, with no model in sight.

ProbDiff(q) = mean log p(revision | q) - mean log p(answer | q), both under the model that wrote them
(`alpaca_eval/get_loglikehood.py`: the mean over response tokens, teacher-forced after the query's prefix). A revision
that the model finds much less likely than its own answer means it changed a lot when asked to improve it: the paper
reads a large discrepancy as low proficiency on that query. The reference turns NaN (an empty text has no token to
average) into -1, and counts a model's queries as "good" when the gap is at least -0.05 and "bad" below.

With several revisions (each rewriting the one before, the paper's iterated revisions; the code makes one), the gap
is the mean over revisions of mean log p(revision_i | q) - mean log p(answer | q), each NaN taken as -1.

Comparing models per query (an interpretation: the reference scores each model alone): the one whose gap is larger
(revision closer to its answer) is the stronger; two gaps within the tie threshold (0.05, inclusive, as the
reference's `>= -0.05`) are a tie.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from itertools import combinations
from typing import Literal, Sequence

TIE_THRESHOLD = 0.05
NAN_GAP = -1.0

Status = Literal["ok", "empty_answer", "empty_revision", "refused"]

# Openings of a reply that declines the task instead of rewriting: recorded, scored as the reference would.
_REFUSAL = re.compile(r"^\W*(i'?m sorry|i am sorry|sorry,|i apologi[sz]e|i can ?not|i can't|i won't|i'?m unable|"
                      r"i am unable|as an ai\b)", re.IGNORECASE)


def mean_logprob(logprobs: Sequence[float] | None) -> float:
    """The reference's `lp.mean()`: NaN when no token was scored (an empty text)."""
    if not logprobs:
        return math.nan
    return math.fsum(logprobs) / len(logprobs)


def gap(revision: float, answer: float) -> float:
    """mean log p(revision|q) - mean log p(answer|q), with NaN replaced by -1 as the reference does."""
    value = revision - answer
    return NAN_GAP if math.isnan(value) else value


def probdiff(revisions: Sequence[float], answer: float) -> tuple[float, list[float]]:
    """The query's ProbDiff and the gap of each revision (the mean of the gaps; one revision: its gap)."""
    gaps = [gap(r, answer) for r in revisions]
    return (math.fsum(gaps) / len(gaps) if gaps else NAN_GAP), gaps


def label(value: float, threshold: float = TIE_THRESHOLD) -> Literal["good", "bad"]:
    """The reference's bucket: `tie = 1 if gap >= -0.05 else -1`, printed as good/bad counts."""
    return "good" if value >= -threshold else "bad"


def status(answer: str, revisions: Sequence[str]) -> Status:
    """What is unusual about an evaluation, if anything: an empty answer or revision, or a refusal to rewrite."""
    if not answer.strip():
        return "empty_answer"
    if any(not r.strip() for r in revisions):
        return "empty_revision"
    if any(_REFUSAL.match(r) for r in revisions):
        return "refused"
    return "ok"


def outcome(a: float, b: float, threshold: float = TIE_THRESHOLD) -> int:
    """1 when the model with ProbDiff `a` beats the one with `b` on a query, -1 when it loses, 0 for a tie."""
    if abs(a - b) <= threshold:
        return 0
    return 1 if a > b else -1


def query_order(values: dict[str, float], threshold: float = TIE_THRESHOLD) -> tuple[list[str], list[str]]:
    """Models from strongest to weakest on one query, and those tied with the strongest."""
    order = sorted(values, key=lambda m: (-values[m], m))
    best = [m for m in order if outcome(values[order[0]], values[m], threshold) == 0] if order else []
    return order, best


@dataclass
class Standing:
    """One model's record over the queries every compared model answered."""

    model: str
    queries: int = 0
    total: float = 0.0
    good: int = 0
    bad: int = 0
    wins: int = 0
    ties: int = 0
    losses: int = 0

    @property
    def mean(self) -> float | None:
        return self.total / self.queries if self.queries else None

    def as_row(self, rank: int) -> dict[str, object]:
        return {"rank": rank, "model": self.model, "queries": self.queries, "mean_probdiff": self.mean,
                "good": self.good, "bad": self.bad, "wins": self.wins, "ties": self.ties, "losses": self.losses}


def rank_models(per_query: Sequence[dict[str, float]], threshold: float = TIE_THRESHOLD) -> list[Standing]:
    """Standings from strongest to weakest: pairwise wins minus losses over all queries, then mean ProbDiff."""
    standings: dict[str, Standing] = {}
    for values in per_query:
        for model, value in values.items():
            s = standings.setdefault(model, Standing(model))
            s.queries += 1
            s.total += value
            s.good += label(value, threshold) == "good"
            s.bad += label(value, threshold) == "bad"
        for a, b in combinations(sorted(values), 2):
            result = outcome(values[a], values[b], threshold)
            for model, sign in ((a, result), (b, -result)):
                s = standings[model]
                s.wins += sign == 1
                s.ties += sign == 0
                s.losses += sign == -1
    return sorted(standings.values(), key=lambda s: (-(s.wins - s.losses), -(s.mean or 0.0), s.model))
