"""Message kinds of the probdiff plugin: one model's self-evaluation of one query, and the comparison of models."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from synthloom import Message


class Evaluation(Message):
    """A model answered `query`, rewrote its answer (`revisions`, each rewriting the one before), and scored both.

    Log-probabilities are the mean per response token under the same model, None for an empty text (the reference's
    NaN). `probdiff` is the mean gap of the revisions (NaN as -1), `label` the reference's good/bad bucket, `status`
    what was unusual (`empty_answer`, `empty_revision`, `refused`), recorded rather than failed.
    """

    kind: str = "probdiff.evaluation"
    model: str
    query: str
    answer: str
    revisions: list[str]
    answer_logprob: float | None = None
    revision_logprobs: list[float | None] = Field(default_factory=list)
    gaps: list[float] = Field(default_factory=list)
    probdiff: float
    label: Literal["good", "bad"]
    status: Literal["ok", "empty_answer", "empty_revision", "refused"] = "ok"
    answer_tokens: int = 0


class Comparison(Message):
    """The models' ProbDiff on one query, strongest first (`ranked`), and those tied with the strongest (`best`)."""

    kind: str = "probdiff.comparison"
    query: str
    probdiff: dict[str, float]
    ranked: list[str]
    best: list[str]


class Ranking(Message):
    """The models' standings over every query they all answered (`rows`: rank, model, mean ProbDiff, the
    reference's good/bad counts, and pairwise wins, ties and losses), and what was left out."""

    kind: str = "probdiff.ranking"
    tie_threshold: float
    queries: int
    rows: list[dict[str, Any]]
    incomplete: int = 0
