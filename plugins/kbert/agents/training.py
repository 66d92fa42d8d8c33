"""Training the pair model inside a campaign, on the `kbert.pair` messages it receives.

WordNet is checked when the campaign loads (a missing install stops it before anything runs), and the model is
trained in a sibling folder and renamed into place, so an interrupted run never leaves a half-written model for an
agent that runs `after:` it.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field, model_validator

from synthloom import Agent, AgentConfig, ConfigError, Context, OutputPath, output_folder
from synthloom.plugins.kbert.kinds import Pair, TrainedPairModel
from synthloom.plugins.kbert.prior import Mode


class TrainConfig(AgentConfig):
    out: OutputPath
    base: str = "minilm"
    use_prior: bool = True
    prior_mode: Mode = "reference"
    senses: int = Field(default=3, ge=1)
    compat: bool = False
    max_length: int = Field(default=128, ge=3)
    epochs: float = Field(default=3.0, gt=0)
    min_steps: int = Field(default=0, ge=0)
    batch_size: int = Field(default=16, ge=1)
    learning_rate: float = Field(default=2e-5, gt=0)
    warmup: float = Field(default=0.1, ge=0, lt=1)
    random_negatives: int = Field(default=1, ge=0, description="easy negatives per anchor: its text against "
                                                               "another anchor's pair")

    @model_validator(mode="after")
    def _wordnet_is_there(self) -> "TrainConfig":
        if self.use_prior:
            from synthloom.plugins.kbert import wordnet

            try:
                wordnet.check_available()
            except ConfigError as error:
                raise ValueError(f"{error.message}; {error.hint}") from None
        return self


class TrainPairModel(Agent):
    """Fine-tunes a pair model (MiniLM by default, with the WordNet prior in its first layer) on the pairs made
    upstream, plus `random_negatives` easy negatives per anchor; give the agents that use it `after:` this one."""

    name = "kbert.train"
    consumes = (Pair,)
    produces = (TrainedPairModel,)
    Config = TrainConfig
    barrier = True
    threaded = True

    def handle(self, batch: list[Pair], ctx: Context) -> list[TrainedPairModel]:
        from synthloom.plugins.kbert.pair_model import PairModel, PairSettings
        from synthloom.plugins.kbert.parsing import random_negatives
        from synthloom.plugins.kbert.training import fine_tune

        cfg = self.config
        if not batch:
            raise ConfigError(f"agent {ctx.agent!r} received no pairs to train on",
                              hint="check the pair writer upstream (`SELECT reason, count(*) FROM dropped`)")
        ordered = sorted(batch, key=lambda p: p.id)  # the order the runtime delivered them in is not reproducible
        pairs = [(p.text_a, p.text_b, float(p.label)) for p in ordered]
        pairs += [(a, b, 0.0) for a, b in random_negatives([(p.text_a, p.text_b) for p in ordered],
                                                            cfg.random_negatives, ctx.rng("negatives"))]
        settings = PairSettings(use_prior=cfg.use_prior, prior_mode=cfg.prior_mode, senses=cfg.senses,
                                compat=cfg.compat, max_length=cfg.max_length)
        model = PairModel.create(cfg.base, settings, seed=ctx.seed)
        result = fine_tune(model, pairs, epochs=cfg.epochs, batch_size=cfg.batch_size, min_steps=cfg.min_steps,
                           learning_rate=cfg.learning_rate, warmup=cfg.warmup, seed=ctx.seed)
        out = Path(os.path.normpath(ctx.resolve_path(cfg.out)))
        with output_folder(out) as partial:
            model.save(partial)
        loss = result.final_loss
        return [TrainedPairModel(parents=batch, path=str(out), base_model=cfg.base, use_prior=cfg.use_prior,
                                 prior_mode=cfg.prior_mode, pairs=len(pairs), positives=sum(p.label for p in batch),
                                 steps=result.steps, seconds=round(result.seconds, 1),
                                 final_loss=loss if loss == loss else None)]
