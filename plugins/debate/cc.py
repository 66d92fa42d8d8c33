"""The controversy-controllability (CC) metric of DEBATunE (`evaluation/eval_controllability/check.py`).

A judge rates what share of a response supports and opposes its topic, without being told the stance the response
was asked to take. CC_P is the share of affirmative responses rated exactly 100 supporting, CC_N the share of
negative responses rated exactly 100 opposing, CC_All the two pooled.

Differences from the reference, each because its version only works for its own test set: the denominators are the
rows given (the reference hard-codes 240 per side and 480 in all: 80 topics x 3 arguments x 2 sides), and the mean
percentages are over parsed replies (the reference averages its -1 placeholders in). Unparsed replies are counted on
their own; `unparsed="bad"` (the reference, and the default) counts them as failures, `"exclude"` leaves them out of
the denominators.
"""

from __future__ import annotations

from statistics import fmean
from typing import Iterable, Literal

from pydantic import BaseModel

from synthloom.plugins.debate.parsing import JudgeScore, controlled

UnparsedPolicy = Literal["bad", "exclude"]


class CCScores(BaseModel):
    """CC_P, CC_N and CC_All (None when no row counts), with the counts they come from."""

    cc_p: float | None
    cc_n: float | None
    cc_all: float | None
    affirmative: int
    negative: int
    good_affirmative: int
    good_negative: int
    unparsed: int
    inconsistent: int
    out_of_range: int
    unparsed_policy: UnparsedPolicy
    mean_support_affirmative: float | None
    mean_oppose_affirmative: float | None
    mean_support_negative: float | None
    mean_oppose_negative: float | None


def _share(good: int, total: int) -> float | None:
    return good / total if total else None


def _mean(values: list[float]) -> float | None:
    return fmean(values) if values else None


def cc_scores(rows: Iterable[tuple[str, JudgeScore]], unparsed: UnparsedPolicy = "bad") -> CCScores:
    """The metric over (requested side, judge score) rows; sides are "affirmative" or "negative"."""
    counted = {"affirmative": 0, "negative": 0}
    good = {"affirmative": 0, "negative": 0}
    statuses = {"unparsed": 0, "inconsistent": 0, "out_of_range": 0, "ok": 0}
    support: dict[str, list[float]] = {"affirmative": [], "negative": []}
    oppose: dict[str, list[float]] = {"affirmative": [], "negative": []}
    for side, score in rows:
        statuses[score.status] += 1
        if score.status == "unparsed":
            counted[side] += unparsed == "bad"
            continue
        counted[side] += 1
        good[side] += controlled(side, score)
        support[side].append(score.support)
        oppose[side].append(score.oppose)
    return CCScores(
        cc_p=_share(good["affirmative"], counted["affirmative"]),
        cc_n=_share(good["negative"], counted["negative"]),
        cc_all=_share(good["affirmative"] + good["negative"], counted["affirmative"] + counted["negative"]),
        affirmative=counted["affirmative"], negative=counted["negative"],
        good_affirmative=good["affirmative"], good_negative=good["negative"],
        unparsed=statuses["unparsed"], inconsistent=statuses["inconsistent"], out_of_range=statuses["out_of_range"],
        unparsed_policy=unparsed,
        mean_support_affirmative=_mean(support["affirmative"]), mean_oppose_affirmative=_mean(oppose["affirmative"]),
        mean_support_negative=_mean(support["negative"]), mean_oppose_negative=_mean(oppose["negative"]),
    )
