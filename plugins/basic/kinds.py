"""Message kinds of the basic plugin."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from synthloom import Image, Message


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


class VisualPrompt(Message):
    """An image and a question about it, with the reference answer when the source has one (the first `gpt` turn
    of a LLaVA conversation, the `ground_truth` of a SIMA prompt row). `image_name` is the file's name relative to
    the image folder, as the source row gave it."""

    kind: str = "basic.visual_prompt"
    image: Image
    image_name: str
    instruction: str
    reference: str | None = None
    extra: dict[str, Any] = Field(default_factory=dict)
