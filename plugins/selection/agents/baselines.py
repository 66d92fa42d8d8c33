"""The selection-at-scale baselines as campaign agents: seeded random, ZIP and k-means centroids
("Rethinking Data Selection at Scale", arXiv 2410.09335).

Each is a barrier: it decides over the whole pool at once, so the pool's messages are held in memory (fine for
pools of up to a few hundred thousand samples). For millions, `synthloom selection compare` streams the file
instead (docs/selection.md: "Selection at scale").
"""

from __future__ import annotations

import asyncio
from typing import Sequence

from pydantic import Field, model_validator

from synthloom import AgentConfig, Context, Dropped
from synthloom.plugins.selection import baselines
from synthloom.plugins.selection.agents.selectors import EmbedField, _decide, _Selector
from synthloom.plugins.selection.compression import zip_select
from synthloom.plugins.selection.embeddings import embed, sample_text
from synthloom.plugins.selection.kinds import Sample, Selected
from synthloom.plugins.selection.parsing import Reason, Selection, duplicates


class BaselineConfig(AgentConfig):
    count: int | None = Field(default=None, ge=0, description="samples to keep")
    fraction: float | None = Field(default=None, gt=0, le=1, description="or the fraction of the pool to keep")
    dedupe: bool = Field(default=True, description="drop exact duplicates (whitespace and case aside) first")

    @model_validator(mode="after")
    def _one_size(self) -> "BaselineConfig":
        if (self.fraction is None) == (self.count is None):
            raise ValueError("give exactly one of `count` (N samples) or `fraction` (of the pool, as 0..1)")
        return self

    def size(self, pool: int) -> int:
        return self.count if self.count is not None else int(pool * (self.fraction or 0))


class _Baseline(_Selector):
    """Dedupe, let `pick` choose among the rest, record every decision; `not_picked` says which rule left it."""

    consumes = (Sample,)
    Config = BaselineConfig
    rule = ""

    async def handle(self, batch: list[Sample], ctx: Context) -> list[Selected | Dropped]:
        cfg = self.config
        items = sorted(batch, key=lambda m: m.id)
        repeated = duplicates([(m.instruction, m.input, m.output) for m in items]) if cfg.dedupe else {}
        pool = [i for i in range(len(items)) if i not in repeated]
        picks = await self.pick([items[i] for i in pool], cfg.size(len(pool)), ctx) if pool else []
        selection = Selection(rank={pool[p]: rank for rank, p in enumerate(picks)})
        for index in range(len(items)):
            if index in repeated:
                selection.reasons[index] = Reason("duplicate", f"duplicate of sample {items[repeated[index]].id}")
            elif index not in selection.rank:
                selection.reasons[index] = Reason("not_picked", f"not picked by {self.rule}")
        selection.kept = sorted(selection.rank)
        return _decide(ctx.agent, items, [None] * len(items), selection)

    async def pick(self, items: Sequence[Sample], count: int, ctx: Context) -> list[int]:
        raise NotImplementedError


class RandomConfig(BaselineConfig):
    seed: int | None = Field(default=None, description="default: the campaign's seed")


class RandomSelect(_Baseline):
    """Keep a seeded uniform random sample: the baseline few methods beat at scale. The same seed keeps the same
    samples whatever order they arrive in."""

    name = "selection.random"
    Config = RandomConfig
    rule = "seeded random selection"

    async def pick(self, items: Sequence[Sample], count: int, ctx: Context) -> list[int]:
        seed = ctx.seed if self.config.seed is None else self.config.seed
        keys = [baselines.random_key(seed, item.id) for item in items]
        return sorted(range(len(items)), key=lambda i: (keys[i], i))[:count]


class ZipConfig(BaselineConfig):
    k1: int = Field(default=10000, ge=1, description="candidates re-scored per round")
    k2: int = Field(default=200, ge=1, description="candidates set aside per round")
    k3: int = Field(default=100, ge=1, description="of those, chosen greedily per round")


class ZipSelect(_Baseline):
    """ZIP (arXiv 2407.06645): greedily keep the samples that make the selection least compressible (least
    redundant), with the reference's three-stage rounds; rows are compared as the repr of their Alpaca fields."""

    name = "selection.zip"
    Config = ZipConfig
    rule = "ZIP (compression ratio)"

    async def pick(self, items: Sequence[Sample], count: int, ctx: Context) -> list[int]:
        cfg = self.config
        reprs = [repr({"instruction": s.instruction, "input": s.input, "output": s.output}) for s in items]
        return await asyncio.to_thread(zip_select, reprs, count, k1=cfg.k1, k2=cfg.k2, k3=cfg.k3)


class KMeansConfig(BaselineConfig):
    embed: EmbedField = "whole"
    seed: int | None = Field(default=None, description="k-means random_state; default: the campaign's seed")


class KMeansSelect(_Baseline):
    """k-means with k = the budget on mean-pooled sentence embeddings, keeping the sample nearest each centroid (the
    study's `kmeans_sample.py`; it embeds with the base LLM, we with all-MiniLM-L6-v2)."""

    name = "selection.kmeans"
    Config = KMeansConfig
    rule = "k-means (not nearest to any centroid)"

    async def pick(self, items: Sequence[Sample], count: int, ctx: Context) -> list[int]:
        cfg = self.config
        vectors = await asyncio.to_thread(embed, [sample_text(s.instruction, s.input, s.output, cfg.embed)
                                                  for s in items])
        seed = ctx.seed if cfg.seed is None else cfg.seed
        return await asyncio.to_thread(baselines.kmeans_centroid_picks, vectors, count, seed)
