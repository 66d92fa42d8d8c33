"""Controllability: a judge rates each response's support for its topic, and the CC metric is computed over all
the ratings (DEBATunE's `evaluation/eval_controllability`)."""

from __future__ import annotations

from pydantic import Field

from synthloom import Agent, AgentConfig, Context, SamplingConfig
from synthloom.plugins.debate import prompts
from synthloom.plugins.debate.cc import UnparsedPolicy, cc_scores
from synthloom.plugins.debate.kinds import CCReport, Conclusion, Judgement, Response
from synthloom.plugins.debate.parsing import JudgeScore, judgement


class JudgeConfig(SamplingConfig.with_defaults(temperature=0.0, max_tokens=512)):
    lenient: bool = Field(default=False, description="read the percentages from the first non-empty line with "
                                                     "exactly two numbers (default: the reference's strict rule)")


class Judge(Agent):
    """The judge model rates what percentage of each response supports and opposes its topic, without being told
    which side the response was asked to take (the reference's GPT-4 judge, greedy)."""

    name = "debate.judge"
    consumes = (Response, Conclusion)
    produces = (Judgement,)
    Config = JudgeConfig
    batch_size = 32
    concurrency = 4

    async def handle(self, batch: list[Response | Conclusion], ctx: Context) -> list[Judgement]:
        cfg = self.config
        model = ctx.model()
        texts = [item.response if isinstance(item, Response) else item.statement for item in batch]
        replies = await model.generate([cfg.request(prompts.judge(item.topic, text), seed=ctx.seed_for(item.id), n=1)
                                        for item, text in zip(batch, texts)])
        return [Judgement(parents=[item], topic=item.topic, side=item.side, argument=item.argument, response=text,
                          model=model.name, **judgement(item.side, reply.texts()[0], lenient=cfg.lenient))
                for item, text, reply in zip(batch, texts, replies)]


class CCConfig(AgentConfig):
    unparsed: UnparsedPolicy = Field(
        default="bad", description="bad: an unparsed judge reply counts as a failure (the reference); exclude: it "
                                   "is left out of the denominators")


class CC(Agent):
    """CC_P, CC_N and CC_All over every judgement, once all are in."""

    name = "debate.cc"
    consumes = (Judgement,)
    produces = (CCReport,)
    Config = CCConfig
    barrier = True

    def handle(self, batch: list[Judgement], ctx: Context) -> list[CCReport]:
        scores = cc_scores([(j.side, JudgeScore(j.support, j.oppose, j.status)) for j in batch],
                           unparsed=self.config.unparsed)
        return [CCReport(parents=batch, **scores.model_dump())]
