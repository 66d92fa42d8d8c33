"""BSDetector's confidence in each dataset response, from the model that will be fine-tuned (no stronger model)."""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Literal

from pydantic import Field, model_validator

from synthloom import Agent, Context, SamplingConfig
from synthloom.plugins.clear import parsing, prompts
from synthloom.plugins.clear.confidence import SAMPLES, Settings, bsdetector
from synthloom.plugins.clear.kinds import Sample, Scored


class ConfidenceConfig(SamplingConfig.with_defaults(samples=SAMPLES, temperature=1.0, max_tokens=256)):
    """`samples`, `temperature` and `max_tokens` are the observed-consistency samples' (BSDetector: k = 5 at
    T 1.0); the two reflection questions have their own."""

    reflection_temperature: float = Field(default=0.0, ge=0.0)
    reflection_max_tokens: int = Field(default=128, ge=1)
    alpha: float = Field(default=parsing.ALPHA, ge=0.0, le=1.0, description="NLI vs exact match in O")
    beta: float = Field(default=parsing.BETA, ge=0.0, le=1.0, description="O vs S in the confidence")
    nli: Literal["model", "classifier"] = Field(default="model", description="contradictions from a model's label "
                                                                            "(1/0) or a local NLI classifier")
    nli_model: str | None = Field(default=None, description="for nli: classifier, a local classifier directory")
    nli_judge: str | None = Field(default=None, description="for nli: model, the model under `models:` that "
                                                            "labels pairs (default: the agent's)")
    template: str = prompts.SAMPLE

    @model_validator(mode="after")
    def _classifier_path(self) -> "ConfidenceConfig":
        if self.nli == "classifier" and not self.nli_model:
            raise ValueError("nli: classifier needs `nli_model`, a local NLI classifier directory")
        return self

    def settings(self, resolve: Callable[[str], Path] = Path) -> Settings:
        """The BSDetector settings this config describes; `resolve` makes `nli_model` a path (the campaign's
        `ctx.resolve_path`, or the working directory's)."""
        sampling = SamplingConfig(temperature=self.temperature, top_p=self.top_p, max_tokens=self.max_tokens)
        reflection = SamplingConfig(temperature=self.reflection_temperature, max_tokens=self.reflection_max_tokens)
        return Settings(samples=self.samples, sampling=sampling, reflection=reflection, alpha=self.alpha,
                        beta=self.beta, judge=self.nli, template=self.template,
                        nli_model=resolve(self.nli_model) if self.nli_model else None)


class Confidence(Agent):
    """Scores each sample's response with BSDetector: C = 0.7 O + 0.3 S, from the agent's model (M0)."""

    name = "clear.confidence"
    consumes = (Sample,)
    produces = (Scored,)
    Config = ConfidenceConfig
    batch_size = 16
    concurrency = 1

    async def handle(self, batch: list[Sample], ctx: Context) -> list[Scored]:
        cfg = self.config
        found = await bsdetector(ctx.model(), [s.prompt for s in batch], [s.response for s in batch],
                                 [ctx.seed_for(s.id) for s in batch], cfg.settings(ctx.resolve_path),
                                 nli_client=ctx.model(cfg.nli_judge) if cfg.nli_judge else None)
        return [Scored(parents=[s], sample_id=s.id, prompt=s.prompt, response=s.response, **c.fields())
                for s, c in zip(batch, found)]
