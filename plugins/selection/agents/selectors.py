"""Selector agents: they see every score at once (`barrier`), apply a published rule, and record each decision.

Kept samples become `selection.selected` (export them with `trl-sft`); every dropped one becomes a core `dropped`
item (stage: the agent; reason: a stable code; detail: the rule's words with the score; subject: the sample's id),
so that a selection can be audited with SQL.
"""

from __future__ import annotations

import asyncio
import math
from typing import Literal, Sequence

from pydantic import Field, model_validator

from synthloom import Agent, AgentConfig, Context, Dropped, ScoreRequest
from synthloom.plugins.selection import clusters, diversity
from synthloom.plugins.selection.diversity import Metric
from synthloom.plugins.selection.embeddings import embed, sample_text
from synthloom.plugins.selection.ifd import mean_nll
from synthloom.plugins.selection.kinds import CEScore, IFDScore, LengthScore, Sample, Selected
from synthloom.plugins.selection.parsing import (
    Choice,
    Reason,
    Selection,
    VersionScores,
    duplicates,
    reflection_choice,
    top_k,
)
from synthloom.plugins.selection.prompts import TEMPLATES, TemplateName

DiversityMethod = Literal["facility_location", "k_center"]
EmbedField = Literal["whole", "instruction", "response"]
SCORE_FIELDS = {"ifd": "ifd", "ifd_ppl": "ifd_ppl", "rifd": "rifd", "length": "length", "ce": "ce"}
UNBOUNDED_SCORES = ("length", "ce")  # no max_score by default
Decided = Sample | IFDScore | LengthScore | CEScore


def _with_score(text: str, score: float | None) -> str:
    return text if score is None else f"{text} (score {score:g})"


def _ratio(value: float | None) -> str:
    return "none" if value is None else f"{value:.4f}"


def _decide(selector: str, items: Sequence[Decided], scores: Sequence[float | None],
            selection: Selection) -> list[Selected | Dropped]:
    out: list[Selected | Dropped] = []
    for index, item in enumerate(items):
        fields = item.carried()
        if index in selection.rank:
            out.append(Selected(parents=[item], selector=selector, score=scores[index],
                                rank=selection.rank[index], **fields))
        else:
            code, detail = selection.reasons[index]
            out.append(Dropped(parents=[item], stage=selector, reason=code, detail=detail,
                               subject=fields["sample_id"]))
    return out


async def _diverse(items: Sequence[Decided], method: DiversityMethod, budget: int, field: EmbedField,
                   metric: Metric, first: int) -> list[int]:
    """Indices picked for diversity, in pick order; the embedding model runs off the event loop."""
    texts = [sample_text(m.instruction, m.input, m.output, field) for m in items]
    vectors = await asyncio.to_thread(embed, texts)
    if method == "facility_location":
        return diversity.facility_location(vectors, budget, metric)
    return diversity.k_center_greedy(vectors, budget, first=first)


def _narrow(selection: Selection, picks: list[int], method: str, scores: Sequence[float | None]) -> Selection:
    """Restrict a selection to `picks` (indices into its input), ranked in pick order."""
    narrowed = Selection(reasons=dict(selection.reasons))
    narrowed.rank = {index: rank for rank, index in enumerate(picks)}
    for index in selection.rank:
        if index not in narrowed.rank:
            narrowed.reasons[index] = Reason("not_picked", _with_score(f"not picked by {method}", scores[index]))
    narrowed.kept = sorted(narrowed.rank)
    return narrowed


class _Selector(Agent):
    """A selector decides over every input at once, so it runs after everything upstream has finished."""

    produces = (Selected,)
    barrier = True


class TopKConfig(AgentConfig):
    score: Literal["ifd", "ifd_ppl", "rifd", "length", "ce"] = "ifd"
    order: Literal["highest", "lowest"] = Field(default="highest", description="keep the highest scores, or the "
                                                                               "lowest (e.g. the easiest by ce)")
    fraction: float | None = Field(default=None, gt=0, le=1)
    count: int | None = Field(default=None, ge=0)
    max_score: float | None = Field(default=1.0, description="drop scores above this; no limit for length")
    dedupe: bool = True
    diversity: DiversityMethod | None = None
    budget: int | None = Field(default=None, ge=1)
    embed: EmbedField = "whole"
    metric: Metric = "euclidean"

    @model_validator(mode="after")
    def _consistent(self) -> "TopKConfig":
        if (self.fraction is None) == (self.count is None):
            raise ValueError("give exactly one of `fraction` (top k%, as 0..1) or `count` (top N)")
        if (self.diversity is None) != (self.budget is None):
            raise ValueError("`diversity` and `budget` go together (for example facility_location, 1000)")
        if self.score in UNBOUNDED_SCORES and "max_score" not in self.model_fields_set:
            self.max_score = None
        return self


class TopK(_Selector):
    """Keep the top k% (or top N) by a score, after dropping duplicates and, for IFD, scores above 1.

    With `diversity` the top set is narrowed to `budget` samples on sentence embeddings: Superfiltering.D is
    `score: ifd_ppl, fraction: 0.2, diversity: facility_location, budget: N`.
    """

    name = "selection.top_k"
    consumes = (IFDScore, LengthScore, CEScore)
    Config = TopKConfig

    async def handle(self, batch: list[IFDScore | LengthScore | CEScore], ctx: Context) -> list[Selected | Dropped]:
        cfg = self.config
        items = sorted(batch, key=lambda m: m.id)  # a stable order, whatever order upstream batches finished in
        scores = [getattr(m, SCORE_FIELDS[cfg.score], None) for m in items]
        repeated = duplicates([(m.instruction, m.input, m.output) for m in items]) if cfg.dedupe else {}
        candidates = [i for i in range(len(items)) if i not in repeated]
        inner = top_k([scores[i] for i in candidates], fraction=cfg.fraction, count=cfg.count,
                      max_score=cfg.max_score, lowest=cfg.order == "lowest")
        selection = Selection(rank={candidates[i]: r for i, r in inner.rank.items()},
                              reasons={candidates[i]: why for i, why in inner.reasons.items()})
        for index, first in repeated.items():
            selection.reasons[index] = Reason(
                "duplicate", _with_score(f"duplicate of sample {items[first].sample_id}", scores[index]))
        selection.kept = sorted(selection.rank)
        if cfg.diversity is not None and selection.kept:
            by_rank = sorted(selection.kept, key=selection.rank.__getitem__)
            picks = await _diverse([items[i] for i in by_rank], cfg.diversity, cfg.budget, cfg.embed, cfg.metric,
                                   first=0)
            selection = _narrow(selection, [by_rank[p] for p in picks], cfg.diversity, scores)
        return _decide(ctx.agent, items, scores, selection)


class DiversityConfig(AgentConfig):
    method: DiversityMethod = "facility_location"
    budget: int = Field(ge=1)
    embed: EmbedField = "whole"
    metric: Metric = "euclidean"


class Diversity(_Selector):
    """Keep `budget` samples that cover the data: facility location (representatives) or k-center (coverage)."""

    name = "selection.diversity"
    consumes = (Sample,)
    Config = DiversityConfig

    async def handle(self, batch: list[Sample], ctx: Context) -> list[Selected | Dropped]:
        cfg = self.config
        items = sorted(batch, key=lambda m: m.id)
        if not items:
            return []
        first = ctx.rng("k_center").randrange(len(items))
        picks = await _diverse(items, cfg.method, cfg.budget, cfg.embed, cfg.metric, first)
        unscored: list[float | None] = [None] * len(items)
        everything = Selection(rank={i: 0 for i in range(len(items))})
        return _decide(ctx.agent, items, unscored, _narrow(everything, picks, cfg.method, unscored))


class ReflectionSelectConfig(AgentConfig):
    keep_unreflected: bool = False


VARIANTS = ("original", "instruction", "response", "both")


class ReflectionSelect(_Selector):
    """Selective Reflection-Tuning's rule: per sample, pick among its four versions by the student's IFD and
    reversed IFD (perplexity ratios, as the reference), or none. Needs `selection.ifd` with `reverse: true`."""

    name = "selection.reflection_select"
    consumes = (IFDScore,)
    Config = ReflectionSelectConfig

    def handle(self, batch: list[IFDScore], ctx: Context) -> list[Selected | Dropped]:
        groups: dict[str, dict[str, IFDScore]] = {}
        for message in sorted(batch, key=lambda m: m.id):
            groups.setdefault(message.origin, {}).setdefault(message.variant, message)
        out: list[Selected | Dropped] = []
        for origin in sorted(groups):
            versions = groups[origin]
            choice = self._choose(versions)
            for variant, message in versions.items():
                if variant == choice.version:
                    out.append(Selected(parents=[message], selector=ctx.agent, score=message.ifd_ppl,
                                        reason=choice.why, **message.carried()))
                else:
                    code, why = ((choice.code, choice.why) if choice.version is None else
                                 ("version_not_chosen", f"version {choice.version!r} chosen: {choice.why}"))
                    detail = f"{why} (this version: IFD {_ratio(message.ifd_ppl)}, r-IFD {_ratio(message.rifd)})"
                    out.append(Dropped(parents=[message], stage=ctx.agent, reason=code, detail=detail,
                                       subject=message.sample_id))
        return out

    def _choose(self, versions: dict[str, IFDScore]) -> Choice:
        missing = [v for v in VARIANTS if v not in versions]
        if missing:
            return Choice(None, f"versions missing: {', '.join(missing)} (a reflection failed upstream)",
                          "versions_missing")
        return reflection_choice(*(VersionScores(versions[v].ifd_ppl, versions[v].rifd) for v in VARIANTS),
                                 keep_unreflected=self.config.keep_unreflected)


class PreExperienceConfig(AgentConfig):
    clusters: int = Field(default=100, ge=1)
    per_cluster: int = Field(default=10, ge=1)
    low: float = Field(default=25, ge=0, le=100)
    high: float = Field(default=75, ge=0, le=100)
    template: TemplateName = "alpaca"
    max_length: int = Field(default=512, ge=2)


class PreExperience(_Selector):
    """Cherry LLM's pre-experience sampling: k-means on instruction embeddings, then from each cluster the samples
    in the middle band of the model's perplexity on the instruction prompt.

    Feed the selected samples to `selection.train` (or export them for `synthloom train`), then score IFD with the
    trained model. Embeddings come from all-MiniLM-L6-v2 (the reference mean-pools the scored LLM's last hidden
    states).
    """

    name = "selection.pre_experience"
    consumes = (Sample,)
    Config = PreExperienceConfig

    async def handle(self, batch: list[Sample], ctx: Context) -> list[Selected | Dropped]:
        cfg = self.config
        items = sorted(batch, key=lambda m: m.id)
        if not items:
            return []
        template = TEMPLATES[cfg.template]
        responses = await ctx.model().score([ScoreRequest(prefix="", continuation=template.render(
            s.instruction, s.input), max_length=cfg.max_length) for s in items])
        losses = [None if r.error else mean_nll(r.logprobs) for r in responses]
        ppl = [math.exp(loss) if loss is not None else math.nan for loss in losses]
        vectors = await asyncio.to_thread(embed, [sample_text(s.instruction, s.input, "", "instruction")
                                                  for s in items])
        labels = clusters.kmeans_labels(vectors, cfg.clusters, seed=ctx.seed)
        scored = [i for i, p in enumerate(ppl) if not math.isnan(p)]
        picks = clusters.middle_band(labels[scored], [ppl[i] for i in scored], cfg.per_cluster, cfg.low, cfg.high)
        selection = Selection(rank={scored[p]: rank for rank, p in enumerate(picks)})
        for index in range(len(items)):
            if index not in selection.rank:
                selection.reasons[index] = (
                    Reason("no_score", "instruction could not be scored") if math.isnan(ppl[index]) else
                    Reason("outside_band", f"perplexity {ppl[index]:g} not taken from its cluster's "
                                           f"{cfg.low:g}-{cfg.high:g} percentile band (outside it, or passed over "
                                           "by the even stride)"))
        selection.kept = sorted(selection.rank)
        return _decide(ctx.agent, items, [None if math.isnan(p) else p for p in ppl], selection)
