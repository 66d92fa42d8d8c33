"""SIMA's agents: the model answers each (image, question) greedily and by sampling, then critiques its own two
answers against the ground truth while seeing the image, and the verdict makes the DPO pair.

Both agents send whole batches (the answers of a batch, then its critiques, in one call each), because batching is
where local vision-language models get their speed.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from synthloom import Agent, ChatMessage, Context, Dropped, GenerateRequest, Message, SamplingConfig
from synthloom.plugins.basic.kinds import VisualPrompt
from synthloom.plugins.sima import parsing
from synthloom.plugins.sima.kinds import Judgement, Pair, Responses
from synthloom.plugins.sima.prompts import Compat, critic_prompt


class RespondConfig(SamplingConfig.with_defaults(temperature=0.8, top_p=0.9, max_tokens=1024)):
    """The sampling fields are the sampled answer's (the reference: T 0.8, top_p 0.9, 1,024 new tokens, one
    sample); the greedy answer is decoded with `greedy_max_tokens`."""

    greedy_max_tokens: int = Field(default=1024, ge=1)
    system: str | None = Field(default=None, description="a system turn before the question (the reference's "
                                                         "LLaVA-1.5 template has its own)")


class Respond(Agent):
    """Step 1, response self-generation: one greedy and `samples` sampled answers per image and question, each
    sample paired with the greedy answer in its own `sima.responses`."""

    name = "sima.respond"
    consumes = (VisualPrompt,)
    produces = (Responses,)
    Config = RespondConfig
    batch_size = 16

    async def handle(self, batch: list[VisualPrompt], ctx: Context) -> list[Message]:
        cfg = self.config
        greedy_cfg = cfg.model_copy(update={"temperature": 0.0, "top_p": 1.0, "samples": 1,
                                            "max_tokens": cfg.greedy_max_tokens})
        requests = []
        for item in batch:
            turns = [*([ChatMessage(role="system", content=cfg.system)] if cfg.system else []),
                     ChatMessage(role="user", content=item.instruction, images=[item.image])]
            seed = ctx.seed_for(item.id)
            requests += [greedy_cfg.request(turns, seed=seed), cfg.request(turns, seed=seed)]
        replies = await ctx.model().generate(requests)
        out: list[Message] = []
        for index, item in enumerate(batch):
            greedy = replies[2 * index].texts()[0].strip()
            for sample, sampled in enumerate(replies[2 * index + 1].texts()):
                out.append(Responses(parents=[item], image=item.image, image_name=item.image_name,
                                     question=item.instruction, ground_truth=item.reference, greedy=greedy,
                                     sampled=sampled.strip(), sample=sample))
        return out


class CritiqueConfig(SamplingConfig.with_defaults(temperature=0.0, max_tokens=4096)):
    compat: Compat = Field(default="reference", description="reference: the reference's critic prompt exactly, "
                                                            "whitespace included; clean: one line per source line")
    order: Literal["sampled_first", "greedy_first", "both"] = Field(
        default="sampled_first", description="the order the critic sees the answers in; sampled_first is the "
                                             "reference's; both asks twice and keeps agreeing verdicts only")


class Critique(Agent):
    """Steps 2-4, in-context self-critic and pairs: the model sees the image and the reference's critic prompt
    (task, the three visual metrics, two worked examples, then question, ground truth and the two answers) and
    names the better answer as [[1]] or [[2]]; that answer is chosen and the other rejected."""

    name = "sima.critique"
    consumes = (Responses,)
    produces = (Judgement, Pair)
    Config = CritiqueConfig
    batch_size = 16

    async def handle(self, batch: list[Responses], ctx: Context) -> list[Message]:
        cfg = self.config
        orders: list[parsing.Order] = ["sampled_first", "greedy_first"] if cfg.order == "both" else [cfg.order]
        out: list[Message] = []
        todo = []
        for item in batch:
            if item.ground_truth is None or not item.ground_truth.strip():
                out.append(Dropped(parents=[item], stage="critique", reason="no_ground_truth", subject=item.image_name,
                                   detail="the critic compares both answers with a ground truth; this item has none"))
            else:
                todo.append(item)
        requests = [self._request(item, order, ctx) for item in todo for order in orders]
        replies = iter(await ctx.model().generate(requests))
        for item in todo:
            judgements = [self._judgement(item, order, next(replies).texts()[0]) for order in orders]
            out += judgements
            out.append(self._pair(item, parsing.decide([j.preferred for j in judgements])))
        return out

    def _request(self, item: Responses, order: parsing.Order, ctx: Context) -> GenerateRequest:
        first, second = (item.sampled, item.greedy) if order == "sampled_first" else (item.greedy, item.sampled)
        text = critic_prompt(item.question, item.ground_truth or "", first, second, compat=self.config.compat)
        return self.config.request([ChatMessage(role="user", content=text, images=[item.image])],
                                   seed=ctx.seed_for(item.id, order), n=1)

    @staticmethod
    def _judgement(item: Responses, order: parsing.Order, reply: str) -> Judgement:
        return Judgement(parents=[item], image_name=item.image_name, order=order, reply=reply,
                         verdict=parsing.verdict(reply), preferred=parsing.preferred(reply, order))

    def _pair(self, item: Responses, decision: parsing.Source | tuple[str, str]) -> Message:
        if isinstance(decision, tuple):
            reason, detail = decision
            return Dropped(parents=[item], stage="critique", reason=reason, detail=detail, subject=item.image_name)
        chosen, rejected = parsing.chosen_rejected(decision, item.greedy, item.sampled)
        return Pair(parents=[item], image=item.image, image_name=item.image_name, chosen=chosen, rejected=rejected,
                    question=parsing.dpo_question(item.question, self.config.compat), chosen_from=decision)
