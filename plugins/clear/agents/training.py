"""Fine-tuning inside a CLEAR campaign: first on the auto-filtered samples (M0 -> M1, the model that proposes
corrections), then on the curated dataset (-> M2). The training, the atomic save and the `selection.trained_model`
record are `selection.train`'s; only the rows differ: TRL conversational `messages`, so that the fine-tuned model
is asked (by `clear.correct`) the way it was trained."""

from __future__ import annotations

from typing import Any, Sequence

from pydantic import Field

from synthloom.plugins.clear.kinds import Curated, Decision
from synthloom.plugins.selection.agents.training import TrainOptions, TrainStudent


class TrainConfig(TrainOptions):
    learning_rate: float = Field(default=1e-5, gt=0, description="CLEAR fine-tunes with Adam at 1e-5")


class Train(TrainStudent):
    """Fine-tunes the agent's model on the samples the filter kept (`clear.decision`) or on the curated ones
    (`clear.curated`); wire it with `inputs:` to the stage it should learn from."""

    name = "clear.train"
    consumes = (Decision, Curated)
    Config = TrainConfig

    def training_rows(self, batch: Sequence[Any]) -> list[dict[str, Any]]:
        chosen = [m for m in sorted(batch, key=lambda m: m.id) if not isinstance(m, Decision) or m.kept]
        return [m.to_sft() for m in chosen]
