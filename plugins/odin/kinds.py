"""Message kinds of the odin plugin: preference pairs, the trained two-head reward model, and rewards."""

from __future__ import annotations

from typing import Any

from synthloom import Message


class Pair(Message):
    """A preference pair read from a file (a TRL preference row); exports back to one."""

    kind: str = "odin.pair"
    prompt: list[dict[str, str]]
    chosen: str
    rejected: str

    def to_dpo(self) -> dict[str, Any]:
        return {"prompt": self.prompt, "chosen": [{"role": "assistant", "content": self.chosen}],
                "rejected": [{"role": "assistant", "content": self.rejected}]}


class TrainedRewardModel(Message):
    """A two-head reward model trained inside the campaign, and how its heads follow length on held-out pairs
    (Pearson over chosen and rejected responses; None when there were too few held-out pairs)."""

    kind: str = "odin.trained_model"
    path: str
    base_model: str
    pairs: int
    held_out: int
    steps: int
    final_loss: float | None = None
    quality_length_pearson: float | None = None
    length_length_pearson: float | None = None
    sum_length_pearson: float | None = None
    quality_accuracy: float | None = None


class Reward(Message):
    """A response rated by the quality head (`score`), with what the length head said and the response's length in
    the reward model's tokens, so that a campaign can check the score does not follow length."""

    kind: str = "odin.reward"
    instruction: str
    response: str
    score: float
    length_reward: float
    length_tokens: int
