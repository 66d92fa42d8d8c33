"""Message kinds of the clear plugin: a sample, its BSDetector confidence, the auto-filter's decision, and the
curated sample (kept, or corrected by the fine-tuned model)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from synthloom import Message


def _sft(prompt: str, response: str) -> dict[str, Any]:
    return {"messages": [{"role": "user", "content": prompt}, {"role": "assistant", "content": response}]}


class Sample(Message):
    """One (prompt, target response) pair of the dataset to curate."""

    kind: str = "clear.sample"
    prompt: str
    response: str
    extra: dict[str, Any] = Field(default_factory=dict)

    def to_sft(self) -> dict[str, Any]:
        return _sft(self.prompt, self.response)


class Scored(Message):
    """BSDetector's confidence that `response` is right for `prompt`: the sampled answers, observed consistency
    (`observed`, from `ncp` and `emr`), the reflection letters (None: no letter) and certainty, and `confidence`."""

    kind: str = "clear.scored"
    sample_id: str
    prompt: str
    response: str
    sampled: list[str]
    observed: float
    ncp: float | None
    emr: float
    nli_unread: int = 0
    reflections: list[str | None]
    certainty: float
    no_letter: int = 0
    confidence: float


class Decision(Message):
    """The auto-filter's decision: `kept` when `confidence` is above the dataset's median `gamma`."""

    kind: str = "clear.decision"
    sample_id: str
    prompt: str
    response: str
    confidence: float
    gamma: float
    kept: bool

    def to_sft(self) -> dict[str, Any]:
        return _sft(self.prompt, self.response)


class Curated(Message):
    """A sample of the curated dataset: kept as it was, or `corrected` with the fine-tuned model's `response`
    (`original_response` is the dataset's), with the judge's confidence that the correction is better."""

    kind: str = "clear.curated"
    sample_id: str
    prompt: str
    response: str
    action: Literal["kept", "corrected"]
    original_response: str
    confidence: float
    candidate: str = ""
    judge_verdict: str = ""
    judge_confidence: float | None = None

    def to_sft(self) -> dict[str, Any]:
        return _sft(self.prompt, self.response)
