"""Steps 7-8 of AutoIF: the quality judge turns passed responses into SFT examples, and pass rates turn scored
queries into DPO pairs (`code/8_query_score_filiter.py`, `code_dpo/2_dpo_data_query_construct.py`)."""

from __future__ import annotations

from pydantic import Field, model_validator

from synthloom import Agent, AgentConfig, Context, Dropped, GenerateRequest, Message, SamplingConfig
from synthloom.plugins.autoif import fewshot, prompts
from synthloom.plugins.autoif.kinds import DPOPair, PassedResponse, ScoredQuery, SFTExample
from synthloom.plugins.autoif.parsing.decisions import dpo_pairs, mean_score, quality_verdict
from synthloom.plugins.autoif.parsing.replies import excerpt, parse_score
from synthloom.plugins.autoif.structured import SCORE_REGEX_CHAT, SCORE_REGEX_COMPLETION, StructuredConfig, constraint


class QualityScorerConfig(StructuredConfig, SamplingConfig.with_defaults(temperature=0.0)):
    score_above: float = Field(default=8.0, ge=0.0)


class QualityScorer(Agent):
    """An LLM judge scores each passed response 0-10 (`Score: N` on the last line); keeps means above 8.

    A chat model gets the paper's prompt (analysis, then the score); a base model scored examples, good and bad, to
    continue with the score line alone. With `structured` the reply must end with `Score: N`.
    """

    name = "autoif.quality_scorer"
    consumes = (PassedResponse,)
    produces = (SFTExample,)
    Config = QualityScorerConfig

    async def handle(self, batch: list[PassedResponse], ctx: Context) -> list[Message]:
        cfg = self.config
        replies = await ctx.model().generate([self._request(m, ctx) for m in batch])
        out: list[Message] = []
        for item, reply in zip(batch, replies):
            parsed = [parse_score(text) for text in reply.texts()]
            verdict = quality_verdict(parsed, cfg.score_above)
            if verdict is None:
                out.append(SFTExample(parents=[item], instruction=item.instruction, query=item.query,
                                      response=item.response, pass_rate=item.pass_rate,
                                      scores=[s for s in parsed if s is not None], mean_score=mean_score(parsed)))
            else:
                out.append(Dropped(parents=[item], stage="quality", reason=verdict.reason,
                                   detail=f"{verdict.detail}; judge said {excerpt(reply.texts()[0], 200)!r}",
                                   subject=excerpt(item.response)))
        return out

    def _request(self, item: PassedResponse, ctx: Context) -> GenerateRequest:
        cfg = self.config
        if ctx.model().prompt_style == "completion":
            return cfg.request(fewshot.quality_judge(item.instruction, item.query, item.response),
                               seed=ctx.seed_for(item.id), style="completion", stop=fewshot.STOP_LINE,
                               **constraint(cfg.structured, regex=SCORE_REGEX_COMPLETION))
        return cfg.request(prompts.quality_judge(item.instruction, item.query, item.response),
                           seed=ctx.seed_for(item.id), **constraint(cfg.structured, regex=SCORE_REGEX_CHAT))


class DPOBuilderConfig(AgentConfig):
    positive_at: float = Field(default=0.5, ge=0.0, le=1.0)
    negative_at: float = Field(default=0.0, ge=0.0, le=1.0)

    @model_validator(mode="after")
    def _negatives_below_positives(self) -> "DPOBuilderConfig":
        if self.negative_at >= self.positive_at:
            raise ValueError("negative_at must be below positive_at")
        return self


class DPOBuilder(Agent):
    """Pairs responses passing at least half the functions with responses passing none (up to 2 x 2 per query)."""

    name = "autoif.dpo_builder"
    consumes = (ScoredQuery,)
    produces = (DPOPair,)
    Config = DPOBuilderConfig
    batch_size = 64

    def handle(self, batch: list[ScoredQuery], ctx: Context) -> list[Message]:
        cfg = self.config
        out: list[Message] = []
        for item in batch:
            rates = {r.response: r.pass_rate for r in item.responses}
            pairs = dpo_pairs([(r.response, r.pass_rate) for r in item.responses], ctx.rng(item.id),
                              cfg.positive_at, cfg.negative_at)
            if not pairs:
                out.append(Dropped(parents=[item], stage="dpo", reason="no_pair", subject=excerpt(item.query),
                                   detail="pass rates " + ", ".join(f"{r.pass_rate:.2f}" for r in item.responses)))
            out += [DPOPair(parents=[item], instruction=item.instruction, query=item.query, chosen=c, rejected=r,
                            chosen_pass_rate=rates[c], rejected_pass_rate=rates[r]) for c, r in pairs]
        return out
