"""ODIN's agents: read preference pairs, train the two-head reward model on them, and rate responses with its quality
head only."""

from __future__ import annotations

from itertools import islice
from typing import Literal

from pydantic import Field

from synthloom import Agent, AgentConfig, ConfigError, Context, DataFile, Dropped, Message, OutputPath, SourceConfig
from synthloom import read_rows
from synthloom.plugins.autoif.kinds import DPOPair
from synthloom.plugins.basic.kinds import Generated
from synthloom.plugins.odin.kinds import Pair, Reward, TrainedRewardModel
from synthloom.plugins.odin.pairs import pair_from_row, same_response


def _dropped_same(message: Message | None, stage: str, subject: str) -> Dropped:
    return Dropped(parents=[message] if message is not None else [], stage=stage, reason="same_response",
                   detail="chosen and rejected are the same text: no preference to learn", subject=subject[:200])


class LoadPairsConfig(SourceConfig):
    path: DataFile
    limit: int | None = Field(default=None, ge=0)


class LoadPairs(Agent):
    """Reads preference pairs (prompt/chosen/rejected: strings or chat turns, as `trl-dpo` exports write them); a
    pair whose two responses are equal is recorded as dropped."""

    name = "odin.load_pairs"
    produces = (Pair,)
    Config = LoadPairsConfig

    def produce(self, ctx: Context) -> list[Message]:
        out: list[Message] = []
        for row in islice(read_rows(ctx.resolve_path(self.config.path), objects=False), self.config.limit):
            pair = pair_from_row(row.value, row.where)
            if same_response(pair):
                out.append(_dropped_same(None, ctx.agent, row.where))
            else:
                out.append(Pair(prompt=pair.prompt, chosen=pair.chosen, rejected=pair.rejected))
        return out


class TrainConfig(AgentConfig):
    out: OutputPath
    base: str = Field(default="embedded", description="`embedded` or a model folder (relative to the campaign)")
    held_out: float = Field(default=0.1, ge=0, lt=1, description="share of pairs kept for the length check")
    learning_rate: float = Field(default=2e-5, gt=0)
    epochs: float = Field(default=3.0, gt=0)
    max_steps: int | None = Field(default=None, ge=1)
    batch_size: int = Field(default=8, ge=1, description="pairs per step; the correlations are over 2x this")
    gradient_accumulation: int = Field(default=1, ge=1, description="steps per optimiser update (the reference: 16)")
    max_length: int = Field(default=1024, ge=8)
    length_weight: float = Field(default=1.0, ge=0)
    decorrelation_weight: float = Field(default=1.0, ge=0)
    orthogonality_weight: float = Field(default=1.0, ge=0)
    ranking: Literal["pairwise", "batch_sum"] = "pairwise"
    readout: Literal["normalized", "raw"] = Field(
        default="normalized", description="normalized: heads read through mean-centred unit weights (the reference)")
    readout_scale: float = Field(default=1.0, gt=0, description="multiplies both heads' outputs (docs/odin.md)")


class TrainRewardModel(Agent):
    """Trains ODIN's two-head reward model (TRL's RewardTrainer, ODIN's loss) on the pairs it receives: its own
    `odin.pair` or AutoIF's DPO pairs. Give the scorer `after:` this agent."""

    name = "odin.train"
    consumes = (Pair, DPOPair)
    produces = (TrainedRewardModel,)
    Config = TrainConfig
    barrier = True
    threaded = True

    def handle(self, batch: list[Message], ctx: Context) -> list[Message]:
        from synthloom.plugins.odin.fit import fit
        from synthloom.plugins.odin.losses import LossWeights
        from synthloom.plugins.odin.trainer import TrainSettings

        cfg = self.config
        if not batch:
            raise ConfigError(f"agent {ctx.agent!r} received no preference pairs to train on",
                              hint="check the agent upstream (`SELECT reason, count(*) FROM dropped GROUP BY ALL`)")
        ordered = sorted(batch, key=lambda m: m.id)  # the delivery order is not reproducible
        pairs = [pair_from_row(m.to_dpo(), m.id) for m in ordered]  # type: ignore[attr-defined]
        out: list[Message] = [_dropped_same(m, ctx.agent, m.id) for m, p in zip(ordered, pairs) if same_response(p)]
        settings = TrainSettings(
            weights=LossWeights(cfg.length_weight, cfg.decorrelation_weight, cfg.orthogonality_weight, cfg.ranking),
            learning_rate=cfg.learning_rate, epochs=cfg.epochs, max_steps=cfg.max_steps, batch_size=cfg.batch_size,
            gradient_accumulation=cfg.gradient_accumulation, max_length=cfg.max_length, seed=ctx.seed,
            readout=cfg.readout, readout_scale=cfg.readout_scale)
        base = cfg.base if cfg.base == "embedded" else str(ctx.resolve_path(cfg.base))
        fitted = fit(pairs, base, ctx.resolve_path(cfg.out), settings, cfg.held_out, where=f"agent {ctx.agent!r}")
        found, loss = fitted.correlations, fitted.result.final_loss
        checked = {} if found is None else {
            "quality_length_pearson": found.quality_pearson, "length_length_pearson": found.length_pearson,
            "sum_length_pearson": found.sum_pearson, "quality_accuracy": found.quality_accuracy}
        out.append(TrainedRewardModel(
            parents=batch, path=str(fitted.result.out_dir), base_model=cfg.base, pairs=fitted.result.pairs,
            held_out=fitted.held_out, steps=fitted.result.steps, final_loss=loss if loss == loss else None, **checked))
        return out


class RewardConfig(AgentConfig):
    path: str = Field(description="the trained reward model's folder (relative to the campaign)")


class RewardScorer(Agent):
    """Rates each response with the reward model's quality head only, so that a campaign can judge without
    rewarding length."""

    name = "odin.reward"
    consumes = (Generated,)
    produces = (Reward,)
    Config = RewardConfig
    batch_size = 16
    threaded = True

    def handle(self, batch: list[Generated], ctx: Context) -> list[Reward]:
        from synthloom.plugins.odin.model import cached

        model = cached(str(ctx.resolve_path(self.config.path)))
        prompts = [[{"role": "user", "content": g.instruction}] for g in batch]
        rewards = model.score(prompts, [g.response for g in batch])
        return [Reward(parents=[g], instruction=g.instruction, response=g.response, score=q, length_reward=l,
                       length_tokens=n)
                for g, q, l, n in zip(batch, rewards.quality, rewards.length, rewards.tokens)]
