"""CLEAR's two curation steps: auto-filter (keep confidence above the median) and auto-correct (replace a response
by the fine-tuned model's when the base model, as judge, is confident the replacement is better)."""

from __future__ import annotations

from pydantic import Field

from synthloom import Agent, AgentConfig, Context, Dropped, Message, SamplingConfig
from synthloom.plugins.clear import parsing, prompts
from synthloom.plugins.clear.agents.confidence import ConfidenceConfig
from synthloom.plugins.clear.correction import judge_candidates
from synthloom.plugins.clear.kinds import Curated, Decision, Scored


class Filter(Agent):
    """Auto-filter: every sample gets a decision; kept when its confidence is strictly above the dataset's median
    (ties at the median are not kept). Filtered samples stay in play: auto-correct may still save them."""

    name = "clear.filter"
    consumes = (Scored,)
    produces = (Decision,)
    Config = AgentConfig
    barrier = True

    def handle(self, batch: list[Scored], ctx: Context) -> list[Decision]:
        items = sorted(batch, key=lambda m: m.id)
        gamma, kept = parsing.median_filter([m.confidence for m in items])
        return [Decision(parents=[m], sample_id=m.sample_id, prompt=m.prompt, response=m.response,
                         confidence=m.confidence, gamma=gamma, kept=k) for m, k in zip(items, kept)]


class CorrectConfig(ConfidenceConfig):
    candidate_model: str = Field(description="the fine-tuned model (a name under `models:`) whose answers may "
                                             "replace responses")
    candidate_temperature: float = Field(default=0.0, ge=0.0)
    candidate_max_tokens: int = Field(default=512, ge=1)
    eta: float = Field(default=parsing.ETA, ge=0.0, le=1.0, description="replace when the judge's confidence that "
                                                                      "the candidate is better exceeds this")
    judge_template: str = prompts.JUDGE


class Correct(Agent):
    """Auto-correct: the fine-tuned model answers each prompt; the agent's model (the base model) judges whether
    that answer is better, and BSDetector says how confident the verdict is. Run it `after:` the training agent."""

    name = "clear.correct"
    consumes = (Decision,)
    produces = (Curated,)
    Config = CorrectConfig
    batch_size = 16
    concurrency = 1

    async def handle(self, batch: list[Decision], ctx: Context) -> list[Message]:
        cfg = self.config
        seeds = [ctx.seed_for(d.id) for d in batch]
        answering = SamplingConfig(temperature=cfg.candidate_temperature, max_tokens=cfg.candidate_max_tokens)
        replies = await ctx.model(cfg.candidate_model).generate(
            [answering.request(d.prompt, seed=s, n=1) for d, s in zip(batch, seeds)])
        candidates = [r.texts()[0].strip() for r in replies]
        judged = await judge_candidates(ctx.model(), [(d.prompt, d.response, c) for d, c in zip(batch, candidates)],
                                        seeds, cfg.settings(ctx.resolve_path), template=cfg.judge_template,
                                        nli_client=ctx.model(cfg.nli_judge) if cfg.nli_judge else None)
        out: list[Message] = []
        for decision, candidate, (verdict, score) in zip(batch, candidates, judged):
            better = verdict == "yes" and bool(candidate)
            action = parsing.correction(decision.kept, better, score.confidence, cfg.eta)
            if action == "filtered":
                out.append(Dropped(parents=[decision], stage=ctx.agent, reason="filtered", subject=decision.sample_id,
                                   detail=f"confidence {decision.confidence:.3f} not above the median "
                                          f"{decision.gamma:.3f}, and no confident correction (judge said "
                                          f"{verdict!r} with confidence {score.confidence:.3f}, needs > {cfg.eta})"))
                continue
            response = candidate if action == "corrected" else decision.response
            out.append(Curated(parents=[decision], sample_id=decision.sample_id, prompt=decision.prompt,
                               response=response, action=action, original_response=decision.response,
                               confidence=decision.confidence, candidate=candidate, judge_verdict=verdict,
                               judge_confidence=score.confidence))
        return out
