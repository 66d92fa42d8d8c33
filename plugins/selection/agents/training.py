"""Cherry LLM's brief pre-experience training, inside the campaign.

The selected samples are written as Stanford Alpaca's training pairs (the template's prompt, then the output; loss on
the output only) and handed to TRL's SFTTrainer through `synthloom.training`. The model is saved atomically: it is
trained in a sibling folder and renamed into place, so an interrupted run never leaves a half-written model that a
resumed run would score with.
"""

from __future__ import annotations

import math
import os
import tempfile
from pathlib import Path
from typing import Any, Sequence

from pydantic import Field

from synthloom import Agent, AgentConfig, ConfigError, Context, OutputPath, output_folder, write_rows
from synthloom.plugins.selection.kinds import Selected, TrainedModel
from synthloom.plugins.selection.prompts import TEMPLATES, TemplateName


class TrainOptions(AgentConfig):
    """What any in-campaign fine-tuning takes (`clear.train` reuses it with its own rows)."""

    out: OutputPath
    epochs: float = Field(default=1, gt=0)
    max_steps: int | None = Field(default=None, ge=1)
    learning_rate: float = Field(default=2e-5, gt=0)
    batch_size: int = Field(default=4, ge=1)
    gradient_accumulation: int = Field(default=1, ge=1)
    max_length: int = Field(default=512, ge=2)


class TrainConfig(TrainOptions):
    template: TemplateName = "alpaca"


class TrainStudent(Agent):
    """Fine-tunes the agent's model on the samples it receives (Cherry LLM's pre-experienced model).

    Defaults follow the Stanford Alpaca recipe Cherry LLM trains with: learning rate 2e-5, one epoch. Name `out`
    under `models:` and give the scoring agents `after: [this agent]`.
    """

    name = "selection.train"
    consumes = (Selected,)
    produces = (TrainedModel,)
    Config = TrainConfig
    barrier = True
    threaded = True

    def handle(self, batch: list[Selected], ctx: Context) -> list[TrainedModel]:
        from synthloom.training import train

        cfg = self.config
        rows = self.training_rows(batch)
        if not rows:
            raise ConfigError(f"agent {ctx.agent!r} received no samples to train on",
                              hint="check the stage upstream (`SELECT reason, detail FROM dropped`)")
        base = getattr(ctx.model().backend, "source", None)
        if base is None:
            raise ConfigError(f"agent {ctx.agent!r} trains its model, so the model must use the transformers backend",
                              hint="give the agent a `model:` with `backend: transformers`")
        out = Path(os.path.normpath(ctx.resolve_path(cfg.out)))
        with tempfile.TemporaryDirectory(prefix="synthloom-train-") as scratch, output_folder(out) as partial:
            data = write_rows(rows, Path(scratch) / "selected.jsonl")
            result = train("sft", data, base, partial, max_steps=cfg.max_steps, learning_rate=cfg.learning_rate,
                           epochs=cfg.epochs, batch_size=cfg.batch_size,
                           gradient_accumulation=cfg.gradient_accumulation, max_length=cfg.max_length,
                           seed=ctx.seed)
        loss = result.final_loss
        return [TrainedModel(parents=batch, path=str(out), base_model=str(base), samples=len(rows),
                             steps=result.steps, final_loss=loss if math.isfinite(loss) else None)]

    def training_rows(self, batch: Sequence[Any]) -> list[dict[str, Any]]:
        """Stanford Alpaca's pairs: the template's prompt, then the output (loss on the output), best first."""
        template = TEMPLATES[self.config.template]
        return [{"prompt": template.render(s.instruction, s.input), "completion": s.output}
                for s in sorted(batch, key=lambda m: m.rank)]
