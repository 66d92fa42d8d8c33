"""Message kinds of the genqa plugin."""

from __future__ import annotations

from typing import Any

from synthloom import Message


class Pair(Message):
    """A distinct question/answer pair from one generator call, with the random choices behind it (`topic`, `n1`,
    `n2`, `booster`), the call's number and the deduplication key (the question's first two sentences)."""

    kind: str = "genqa.pair"
    question: str
    answer: str
    variant: str
    call: int
    topic: str | None = None
    n1: int | None = None
    n2: int | None = None
    booster: str | None = None
    dedup_key: str

    def to_sft(self) -> dict[str, Any]:
        return {"messages": [{"role": "user", "content": self.question},
                             {"role": "assistant", "content": self.answer}]}
