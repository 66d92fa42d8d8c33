"""Scoring agents: IFD / reversed IFD and response cross-entropy with the agent's model, and length."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from synthloom import Agent, AgentConfig, ConfigError, Context
from synthloom.plugins.selection.baselines import nonzero_lengths
from synthloom.plugins.selection.cross_entropy import MAX_LENGTH, cross_entropies
from synthloom.plugins.selection.kinds import CEScore, IFDScore, LengthScore, Sample
from synthloom.plugins.selection.parsing import AlpacaItem
from synthloom.plugins.selection.pool import PoolItem, reference_query
from synthloom.plugins.selection.scoring import ScoringOptions, backend_tokenizer, score_items, token_lengths


def pool_item(sample: Sample) -> PoolItem:
    """A sample as the selection-at-scale reference reads it: its one-turn query template and the output."""
    return PoolItem(reference_query([("human", sample.user_text())]), sample.output)


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
    span: Literal["response", "total"] = Field(
        default="response", description="response: the output's tokens; total: query + response as "
                                        "arXiv 2410.09335's reference counts them (special tokens included)")


class LengthScorer(Agent):
    """Response length in the agent's model's tokens (or in words, with no model): the strong simple baseline of
    "Rethinking Data Selection at Scale" (arXiv 2410.09335) is to keep the longest responses."""

    name = "selection.length"
    consumes = (Sample,)
    produces = (LengthScore,)
    Config = LengthConfig
    batch_size = 256

    def handle(self, batch: list[Sample], ctx: Context) -> list[LengthScore]:
        cfg = self.config
        items = [pool_item(s) for s in batch]
        if cfg.unit == "words":
            texts = [s.output for s in batch] if cfg.span == "response" else [i.text() for i in items]
            lengths = [len(t.split()) for t in texts]
        else:
            tokenizer = backend_tokenizer(ctx.model().backend)
            if tokenizer is None:
                raise ConfigError(f"agent {ctx.agent!r} counts tokens, but its model has no tokenizer",
                                  hint="use a transformers model, or `unit: words`")
            if cfg.span == "response":
                lengths = token_lengths([s.output for s in batch], tokenizer)
            else:
                lengths = [q + r for q, r in zip(nonzero_lengths(tokenizer, [i.query for i in items]),
                                                 nonzero_lengths(tokenizer, [i.response for i in items]))]
        return [LengthScore(parents=[s], length=n, unit=cfg.unit, span=cfg.span, **s.carried())
                for s, n in zip(batch, lengths)]


class CEConfig(AgentConfig):
    max_length: int = Field(default=MAX_LENGTH, ge=2)


class CEScorer(Agent):
    """Mean response cross-entropy under the agent's (base) model, the self-scoring baseline of "Rethinking Data
    Selection at Scale"; select with `selection.top_k` (`score: ce`, `order: highest` or `lowest`)."""

    name = "selection.ce"
    consumes = (Sample,)
    produces = (CEScore,)
    Config = CEConfig
    batch_size = 32
    concurrency = 1

    async def handle(self, batch: list[Sample], ctx: Context) -> list[CEScore]:
        model = ctx.model()
        scores = await cross_entropies([pool_item(s) for s in batch], model.score, backend_tokenizer(model.backend),
                                       self.config.max_length)
        return [CEScore(parents=[s], ce=c.ce, tokens=c.tokens, truncated=c.truncated, reason=c.reason,
                        **s.carried()) for s, c in zip(batch, scores)]
