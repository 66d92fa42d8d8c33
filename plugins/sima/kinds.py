"""Message kinds of the sima plugin.

An item's chain: `basic.visual_prompt` (image, question, ground truth) -> `sima.responses` (the model's greedy and
sampled answers) -> `sima.judgement` (one per order the critic saw them in) and `sima.pair` (the DPO pair) or a
`dropped` item with its reason.
"""

from __future__ import annotations

from typing import Any, Literal

from synthloom import Image, Message

Source = Literal["sampled", "greedy"]


class Responses(Message):
    """The answers of the model being improved to one question about one image: greedy, and sample `sample` at the
    sampling settings (the reference draws one sample: `temperature_decodes_1`)."""

    kind: str = "sima.responses"
    image: Image
    image_name: str
    question: str
    ground_truth: str | None
    greedy: str
    sampled: str
    sample: int = 0


class Judgement(Message):
    """One critique: the critic's reply when it saw the answers in `order`, its verdict (the text after the last
    `[[`, as the reference reads it) and the answer that verdict prefers (None: no verdict)."""

    kind: str = "sima.judgement"
    image_name: str
    order: Literal["sampled_first", "greedy_first"]
    reply: str
    verdict: str
    preferred: Source | None


class Pair(Message):
    """A preference pair for DPO: the critic's preferred answer is chosen, the other one rejected."""

    kind: str = "sima.pair"
    image: Image
    image_name: str
    question: str
    chosen: str
    rejected: str
    chosen_from: Source

    def to_dpo(self) -> dict[str, Any]:
        """TRL's vision preference row: `images` plus conversational prompt/chosen/rejected (TRL puts the image
        before the first user turn, where the reference's `<image>\\n` prefix puts it)."""
        return {"images": [self.image], "prompt": [{"role": "user", "content": self.question}],
                "chosen": [{"role": "assistant", "content": self.chosen}],
                "rejected": [{"role": "assistant", "content": self.rejected}]}
