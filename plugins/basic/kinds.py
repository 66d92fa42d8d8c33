"""Message kinds of the basic plugin."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from synthloom import Message


class Prompt(Message):
    """An instruction to answer, with whatever other fields its source row had."""

    kind: str = "basic.prompt"
    instruction: str
    extra: dict[str, Any] = Field(default_factory=dict)


class Generated(Message):
    """One reply to a prompt (a request with `samples: N` gives N of these)."""

    kind: str = "basic.generated"
    instruction: str
    response: str

    def to_sft(self) -> dict[str, Any]:
        return {"messages": [{"role": "user", "content": self.instruction},
                             {"role": "assistant", "content": self.response}]}


class Judged(Generated):
    """A reply with the judge's score (None when the judge gave none) and its whole judgement."""

    kind: str = "basic.judged"
    score: float | None
    judgement: str
