"""Message kinds of the optune plugin: a weighted preference pair per prompt, and a policy trained on them."""

from __future__ import annotations

from typing import Any

from synthloom import Message


class WeightedPair(Message):
    """A prompt's current pair: its best response against its worst, their rewards, and the pair's DPO weight.
    `regenerated` is False for a pair carried over unchanged from an earlier iteration."""

    kind: str = "optune.pair"
    instruction: str
    chosen: str
    rejected: str
    reward_chosen: float
    reward_rejected: float
    weight: float
    iteration: int
    regenerated: bool = True

    def to_dpo(self) -> dict[str, Any]:
        """A TRL preference row with its `weight` column (`synthloom optune train` reads it)."""
        return {"prompt": [{"role": "user", "content": self.instruction}],
                "chosen": [{"role": "assistant", "content": self.chosen}],
                "rejected": [{"role": "assistant", "content": self.rejected}], "weight": self.weight}


class Policy(Message):
    """The policy trained by one iteration; the next iteration's generator names `path` under `models:`."""

    kind: str = "optune.policy"
    path: str
    base_model: str
    iteration: int
    pairs: int
    steps: int
    final_loss: float | None = None
