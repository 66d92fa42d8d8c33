"""OPTune's agents, one per step of an iteration; a campaign chains them once per iteration (examples/optune.yaml):

    generate (basic.generate) -> score (odin.reward or basic.judge) -> optune.pairs -> optune.train
        -> optune.select -> generate again with the new policy (after: the trainer) -> ...

`optune.pairs` pairs each prompt's new responses and carries the previous iteration's pair over for the prompts
that were not regenerated; `optune.select` hands the next generator only the lowest-reward fraction of prompts.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

from pydantic import Field

from synthloom import (Agent, AgentConfig, ConfigError, Context, Dropped, Message, OutputPath, Prompt,
                       output_folder)
from synthloom.plugins.basic.kinds import Judged
from synthloom.plugins.odin.kinds import Reward
from synthloom.plugins.optune.kinds import Policy, WeightedPair
from synthloom.plugins.optune.weighting import Choice, Scored, Weighting, lowest, pair_up, pair_weights

NO_PREFERENCE_HINT = ("check the reward model (does it separate anything?) and sample more varied responses "
                      "(samples >= 2, temperature > 0)")


class PairsConfig(AgentConfig):
    iteration: int = Field(ge=0, description="the iteration these pairs are for (0: the first generation)")
    weighting: Weighting = Field(default="identity", description="g of the normalised reward gap: identity, "
                                                                 "sigmoid or exp (docs/optune.md)")


class MakePairs(Agent):
    """Pairs each prompt's scored responses (best against worst) and weights the pairs by their reward gap; a prompt
    without new responses, or whose new responses tie, keeps the pair it had. Scores come from `odin.reward` or
    `basic.judge`."""

    name = "optune.pairs"
    consumes = (Reward, Judged, WeightedPair)
    produces = (WeightedPair,)
    Config = PairsConfig
    barrier = True

    def handle(self, batch: list[Message], ctx: Context) -> list[Message]:
        out: list[Message] = []
        fresh: dict[str, list[tuple[Message, Scored]]] = {}
        kept: dict[str, WeightedPair] = {}
        for message in sorted(batch, key=lambda m: m.id):
            if isinstance(message, WeightedPair):
                kept[message.instruction] = message
            elif message.score is None:  # type: ignore[attr-defined]
                out.append(Dropped(parents=[message], stage=ctx.agent, reason="no_score",
                                   detail="the judge gave this response no score", subject=message.id))
            else:
                fresh.setdefault(message.instruction, []).append(  # type: ignore[attr-defined]
                    (message, Scored(message.response, float(message.score))))  # type: ignore[attr-defined]
        pairs: list[tuple[str, Choice, list[Message], bool]] = []  # prompt, pair, parents, regenerated
        for instruction, scored in fresh.items():
            choice = pair_up([s for _, s in scored])
            if choice is not None:
                pairs.append((instruction, choice, [m for m, _ in scored], True))
            else:
                out.append(Dropped(parents=[m for m, _ in scored], stage=ctx.agent, reason="no_reward_gap",
                                   detail=f"{len(scored)} response(s), all rewarded {scored[0][1].reward:g}",
                                   subject=instruction[:200]))
        paired = {instruction for instruction, *_ in pairs}
        pairs += [(instruction, Choice(Scored(pair.chosen, pair.reward_chosen),
                                       Scored(pair.rejected, pair.reward_rejected)), [pair], False)
                  for instruction, pair in kept.items() if instruction not in paired]
        if not pairs:
            if fresh:
                seen = ", ".join(f"{r:g}" for r in sorted({s.reward for group in fresh.values() for _, s in group})[:5])
                raise ConfigError(f"agent {ctx.agent!r}: no preference to learn: none of the {len(fresh)} prompts has "
                                  f"responses with different rewards (rewards seen: {seen})", hint=NO_PREFERENCE_HINT)
            return out
        weights = pair_weights([choice for _, choice, _, _ in pairs], self.config.weighting)
        for (instruction, choice, sources, regenerated), weight in zip(pairs, weights):
            out.append(WeightedPair(parents=sources, instruction=instruction, chosen=choice.chosen.response,
                                    rejected=choice.rejected.response, reward_chosen=choice.chosen.reward,
                                    reward_rejected=choice.rejected.reward, weight=weight,
                                    iteration=self.config.iteration, regenerated=regenerated))
        return out


class SelectConfig(AgentConfig):
    rho: float = Field(default=0.5, gt=0, le=1, description="share of prompts to regenerate")


class SelectPrompts(Agent):
    """Passes on the ceil(rho * N) prompts whose best current response has the lowest reward (prompts without a
    pair first); wire it to the loader (every prompt) and to the iteration's `optune.pairs`."""

    name = "optune.select"
    consumes = (Prompt, WeightedPair)
    produces = (Prompt,)
    Config = SelectConfig
    barrier = True

    def handle(self, batch: list[Message], ctx: Context) -> list[Message]:
        prompts = {m.instruction: m for m in sorted(batch, key=lambda m: m.id) if isinstance(m, Prompt)}
        best = {m.instruction: m.reward_chosen for m in batch if isinstance(m, WeightedPair)}
        if not best:
            return [Dropped(parents=[p], stage=ctx.agent, reason="no_pairs", subject=p.instruction[:200],
                            detail="the previous iteration made no preference pair, so no new policy was trained")
                    for p in prompts.values()]
        chosen = set(lowest({k: best.get(k) for k in prompts}, self.config.rho))
        out: list[Message] = []
        for key, prompt in prompts.items():
            if key in chosen:
                out.append(Prompt(parents=[prompt], instruction=prompt.instruction, extra=prompt.extra))
            else:
                out.append(Dropped(parents=[prompt], stage=ctx.agent, reason="kept_pair", subject=key[:200],
                                   detail=f"its best reward {best[key]:g} is above the lowest {self.config.rho:g}; "
                                          "its pair is carried over"))
        return out


class TrainConfig(AgentConfig):
    out: OutputPath
    iteration: int = Field(ge=1)
    beta: float = Field(default=0.1, gt=0)
    learning_rate: float = Field(default=5e-7, gt=0)
    epochs: float = Field(default=1.0, gt=0)
    max_steps: int | None = Field(default=None, ge=1)
    batch_size: int = Field(default=2, ge=1)
    gradient_accumulation: int = Field(default=1, ge=1)
    max_length: int = Field(default=1024, ge=8)


class TrainPolicy(Agent):
    """Trains the agent's model (the current policy, also the DPO reference) on the weighted pairs with TRL's
    DPOTrainer, and saves the next policy to `out`; the next generator runs `after:` this agent."""

    name = "optune.train"
    consumes = (WeightedPair,)
    produces = (Policy,)
    Config = TrainConfig
    barrier = True
    threaded = True

    def handle(self, batch: list[WeightedPair], ctx: Context) -> list[Policy]:
        from synthloom.plugins.optune.weighted_dpo import DPOSettings, train_weighted

        cfg = self.config
        if not batch:
            ctx.log.warning("no preference pairs reached %s: no policy is trained", ctx.agent)
            return []
        base = getattr(ctx.model().backend, "source", None)
        if base is None:
            raise ConfigError(f"agent {ctx.agent!r} trains its model, so the model must use the transformers backend",
                              hint="give the agent a `model:` with `backend: transformers`")
        settings = DPOSettings(cfg.beta, cfg.learning_rate, cfg.epochs, cfg.max_steps, cfg.batch_size,
                               cfg.gradient_accumulation, cfg.max_length, ctx.seed)
        out = Path(os.path.normpath(ctx.resolve_path(cfg.out)))
        with output_folder(out) as partial:
            result = train_weighted([p.to_dpo() for p in sorted(batch, key=lambda m: m.id)], str(base), partial,
                                    settings)
        loss = result.final_loss
        return [Policy(parents=batch, path=str(out), base_model=str(base), iteration=cfg.iteration, pairs=len(batch),
                       steps=result.steps, final_loss=loss if math.isfinite(loss) else None)]
