"""Scoring agents: IFD / reversed IFD with the agent's model, and response length."""

from __future__ import annotations

from typing import Literal

from synthloom import Agent, AgentConfig, ConfigError, Context
from synthloom.plugins.selection.kinds import IFDScore, LengthScore, Sample
from synthloom.plugins.selection.parsing import AlpacaItem
from synthloom.plugins.selection.scoring import ScoringOptions, backend_tokenizer, score_items, token_lengths


class IFDConfig(AgentConfig, ScoringOptions):
    pass


class IFDScorer(Agent):
    """The student scores each sample: IFD, and reversed IFD with `reverse: true` (Selective Reflection-Tuning).

    `compat: cherry | superfiltering | reflection` reproduces that reference's exact tokens, template and
    truncation; without it, answer tokens are found by offset mapping.
    """

    name = "selection.ifd"
    consumes = (Sample,)
    produces = (IFDScore,)
    Config = IFDConfig
    batch_size = 32
    concurrency = 1

    async def handle(self, batch: list[Sample], ctx: Context) -> list[IFDScore]:
        model = ctx.model()
        tokenizer = backend_tokenizer(model.backend) if self.config.compat else None
        items = [AlpacaItem(s.instruction, s.input, s.output) for s in batch]
        scores = await score_items(items, self.config, model.score, tokenizer)
        mode = self.config.compat or "default"
        return [IFDScore(parents=[sample], mode=mode, **sample.carried(), **score.fields())
                for sample, score in zip(batch, scores)]


class LengthConfig(AgentConfig):
    unit: Literal["tokens", "words"] = "tokens"


class LengthScorer(Agent):
    """Response length in the agent's model's tokens (or in words, with no model): the strong simple baseline of
    "Rethinking Data Selection at Scale" (arXiv 2410.09335) is to keep the longest responses."""

    name = "selection.length"
    consumes = (Sample,)
    produces = (LengthScore,)
    Config = LengthConfig
    batch_size = 256

    def handle(self, batch: list[Sample], ctx: Context) -> list[LengthScore]:
        if self.config.unit == "words":
            lengths = [len(s.output.split()) for s in batch]
        else:
            tokenizer = backend_tokenizer(ctx.model().backend)
            if tokenizer is None:
                raise ConfigError(f"agent {ctx.agent!r} counts tokens, but its model has no tokenizer",
                                  hint="use a transformers model, or `unit: words`")
            lengths = token_lengths([s.output for s in batch], tokenizer)
        return [LengthScore(parents=[s], length=n, unit=self.config.unit, **s.carried())
                for s, n in zip(batch, lengths)]
