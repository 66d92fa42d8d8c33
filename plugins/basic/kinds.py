"""Message kinds of the basic plugin."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from synthloom.messages import Message


class Prompt(Message):
    """An instruction to answer, with whatever other fields its source row had."""

    kind: str = "basic.prompt"
    instruction: str
    extra: dict[str, Any] = Field(default_factory=dict)


class Generated(Message):
    kind: str = "basic.generated"
    instruction: str
    response: str

    def to_sft(self) -> dict[str, Any]:
        return {"messages": [{"role": "user", "content": self.instruction},
                             {"role": "assistant", "content": self.response}]}


class Judged(Message):
    kind: str = "basic.judged"
    instruction: str
    response: str
    score: float | None
    judgement: str
    keep: bool = True

    def to_sft(self) -> dict[str, Any]:
        return {"messages": [{"role": "user", "content": self.instruction},
                             {"role": "assistant", "content": self.response}]}
