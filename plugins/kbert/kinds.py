"""Message kinds of the kbert plugin."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from synthloom import Message

PairSource = Literal["paraphrase", "edit", "back_translation", "random"]


class Pair(Message):
    """A labelled sentence pair for the pair model: 1 when both ask for the same thing, 0 when they do not."""

    kind: str = "kbert.pair"
    text_a: str
    text_b: str
    label: int = Field(ge=0, le=1)
    source: PairSource


class TrainedPairModel(Message):
    """A pair model fine-tuned inside the campaign; agents that run `after:` the trainer load it from `path`."""

    kind: str = "kbert.trained_model"
    path: str
    base_model: str
    use_prior: bool
    prior_mode: str
    pairs: int
    positives: int
    steps: int
    seconds: float
    final_loss: float | None = None


class Consistency(Message):
    """The pair model's reading of an instruction against its back-translations (AutoIF's step 4)."""

    kind: str = "kbert.consistency"
    instruction: str
    back_instructions: list[str]
    scores: list[float]
    threshold: float
    consistent: bool
    flags: list[list[str]] = Field(default_factory=list)
