"""The debaters: one dialogue agent that lists arguments, runs every debate turn by turn, and has the watcher
conclude.

It consumes what it produces (`loops`), so each step of a debate is a message that comes back to it: a topic
becomes one argument list per side, an argument list opens one debate per argument, and each turn is answered by
the next turn, or, after the last, by the conclusion. State lives in the messages (a turn carries the transcript
before it), so the runtime batches the waiting steps of all debates together, and a killed campaign resumes from
the last stored turn of each debate. A batch's requests go to each speaking model as one `generate` call, and the
models are called concurrently: the affirmative and the negative debater may be two different models.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Callable, Sequence

from pydantic import Field, model_validator

from synthloom import Agent, ChatMessage, Context, Dropped, Message, SamplingConfig
from synthloom.plugins.debate import prompts
from synthloom.plugins.debate.dialogue import SIDES, next_step
from synthloom.plugins.debate.kinds import Arguments, Conclusion, Topic, Turn
from synthloom.plugins.debate.parsing import distinct_arguments, parse_arguments


class DebatersConfig(SamplingConfig.with_defaults(temperature=0.7, max_tokens=prompts.TURN_MAX_TOKENS)):
    """`max_tokens` is the limit of a debate turn; the argument list and the conclusion have their own."""

    affirmative: str | None = Field(default=None, description="model (a name under `models:`) arguing the "
                                                              "affirmative side; default: the agent's model")
    negative: str | None = Field(default=None, description="model arguing the negative side; default: the agent's "
                                                           "model")
    watcher: str | None = Field(default=None, description="model writing the conclusions; default: the debater "
                                                          "holding the side under debate")
    arg_num: int = Field(default=3, ge=1, description="arguments debated per side (the paper's best: 3)")
    rounds: int = Field(default=2, ge=1, description="rounds per argument, two turns each (the reference: 2)")
    list_max_tokens: int = Field(default=prompts.LIST_MAX_TOKENS, ge=1)
    conclusion_max_tokens: int = Field(default=prompts.CONCLUSION_MAX_TOKENS, ge=1)
    retries: int = Field(default=1, ge=0, description="asks again, with another seed, after an empty reply")
    drop_truncated: bool = Field(default=False, description="drop conclusions cut at conclusion_max_tokens "
                                                            "(default: keep them flagged `truncated`)")
    compat: bool = Field(default=False, description="the reference's behaviour: the watcher's system prompt sent "
                                                    "unfilled, arguments parsed by its regular expression")

    @model_validator(mode="after")
    def _one_reply(self) -> "DebatersConfig":
        if self.samples != 1:
            raise ValueError("a debate turn has exactly one reply: leave `samples` at 1")
        return self


@dataclass(frozen=True)
class Ask:
    """One request a plan needs: which model, the chat, its token limit, and the key its seed derives from."""

    model: str
    chat: list[ChatMessage]
    max_tokens: int
    key: str


@dataclass(frozen=True)
class Reply:
    text: str
    truncated: bool
    attempts: int


@dataclass(frozen=True)
class Plan:
    """What one input needs from the models, and how its outputs are made from the replies (in `asks` order)."""

    asks: list[Ask]
    build: Callable[[list[Reply]], list[Message]]


async def ask_models(ctx: Context, cfg: DebatersConfig, asks: Sequence[Ask]) -> list[Reply]:
    """Every ask answered: one batch per model, the models concurrently; empty replies asked again."""
    replies: list[Reply | None] = [None] * len(asks)
    pending = list(range(len(asks)))
    for attempt in range(cfg.retries + 1):
        by_model: dict[str, list[int]] = {}
        for i in pending:
            by_model.setdefault(asks[i].model, []).append(i)
        answers = await asyncio.gather(*(
            ctx.model(name).generate([
                cfg.model_copy(update={"max_tokens": asks[i].max_tokens}).request(
                    asks[i].chat, seed=ctx.seed_for(asks[i].key, attempt), n=1) for i in indexes])
            for name, indexes in by_model.items()))
        for indexes, responses in zip(by_model.values(), answers):
            for i, response in zip(indexes, responses):
                text = response.texts()[0]
                truncated = response.generations[0].finish_reason == "length"
                replies[i] = Reply(text.strip(), truncated, attempt + 1)
        pending = [i for i in pending if not replies[i].text]
        if not pending:
            break
    return replies  # type: ignore[return-value]


class Debaters(Agent):
    """Two debaters argue opposite sides of each argument for several rounds; a watcher writes the final statement
    (DEBATunE)."""

    name = "debate.debaters"
    consumes = (Topic, Arguments, Turn)
    produces = (Arguments, Turn, Conclusion)
    Config = DebatersConfig
    loops = True
    batch_size = 64
    concurrency = 2

    async def handle(self, batch: list[Topic | Arguments | Turn], ctx: Context) -> list[Message]:
        cast = {side: ctx.model(getattr(self.config, side)).name for side in SIDES}
        watcher = ctx.model(self.config.watcher).name if self.config.watcher else None
        plans = [self._plan(item, cast, watcher, ctx) for item in batch]
        replies = await ask_models(ctx, self.config, [ask for plan in plans for ask in plan.asks])
        out: list[Message] = []
        for plan in plans:
            out += plan.build(replies[:len(plan.asks)])
            replies = replies[len(plan.asks):]
        return out

    def _plan(self, item: Topic | Arguments | Turn, cast: dict[str, str], watcher: str | None,
              ctx: Context) -> Plan:
        if isinstance(item, Topic):
            return self._list(item, cast, ctx)
        if isinstance(item, Arguments):
            return self._open(item, cast, ctx)
        return self._follow(item, cast, watcher or cast[item.side], ctx)

    def _list(self, topic: Topic, cast: dict[str, str], ctx: Context) -> Plan:
        """Each side's arguments: the given ones, or those its debater lists."""
        cfg = self.config
        listing = [side for side in SIDES if getattr(topic, side) is None]
        asks = [Ask(cast[side], prompts.argument_list(topic.topic, side), cfg.list_max_tokens, f"{topic.id}/{side}")
                for side in listing]

        def build(replies: list[Reply]) -> list[Message]:
            listed = dict(zip(listing, replies))
            out: list[Message] = []
            for side in SIDES:
                reply = listed.get(side)
                if reply is None:
                    found = distinct_arguments(getattr(topic, side), cfg.arg_num, "given")
                else:
                    found = parse_arguments(reply.text, cfg.arg_num, compat=cfg.compat)
                out += [Dropped(parents=[topic], stage=ctx.agent, reason=code, subject=text[:200],
                                detail=f"{side} argument on {topic.topic!r} left out ({found.rule} list)")
                        for code, text in found.left_out]
                if not found.kept:
                    why = ("the given list is empty" if reply is None else "the reply is empty" if not reply.text
                           else f"no numbered or bulleted line in the reply (rule: {found.rule})")
                    out.append(Dropped(parents=[topic], stage=ctx.agent, reason="no_arguments",
                                       detail=f"no {side} arguments on {topic.topic!r}: {why}",
                                       subject=(reply.text if reply else topic.topic)[:200]))
                    continue
                out.append(Arguments(parents=[topic], topic=topic.topic, side=side, arguments=found.kept,
                                     spare=found.spare, rule=found.rule, model="" if reply is None else cast[side],
                                     reply="" if reply is None else reply.text))
            return out

        return Plan(asks, build)

    def _open(self, arguments: Arguments, cast: dict[str, str], ctx: Context) -> Plan:
        """One debate per argument, opened by the holder."""
        asks = [Ask(cast[arguments.side], prompts.turn(arguments.topic, arguments.side, argument, []),
                    self.config.max_tokens, f"{arguments.id}/{number}")
                for number, argument in enumerate(arguments.arguments, 1)]

        def build(replies: list[Reply]) -> list[Message]:
            return [self._turn(arguments, f"{arguments.id}/{number}", argument, [], reply, cast, ctx)
                    for number, (argument, reply) in enumerate(zip(arguments.arguments, replies), 1)]

        return Plan(asks, build)

    def _follow(self, last: Turn, cast: dict[str, str], watcher: str, ctx: Context) -> Plan:
        """The next turn of the debate, or its conclusion after the last."""
        transcript = [*last.transcript, last.text]
        step = next_step(last.side, len(transcript), self.config.rounds)
        if step.speaker != "watcher":
            ask = Ask(cast[step.stance], prompts.turn(last.topic, last.side, last.argument, transcript),
                      self.config.max_tokens, last.id)
            return Plan([ask], lambda replies: [self._turn(last, last.debate, last.argument, transcript, replies[0],
                                                           cast, ctx)])
        ask = Ask(watcher, prompts.conclusion(last.topic, last.side, last.argument, transcript,
                                              compat=self.config.compat), self.config.conclusion_max_tokens, last.id)
        return Plan([ask], lambda replies: [self._conclude(last, transcript, replies[0], watcher, ctx)])

    def _turn(self, parent: Arguments | Turn, debate: str, argument: str, transcript: list[str], reply: Reply,
              cast: dict[str, str], ctx: Context) -> Message:
        step = next_step(parent.side, len(transcript), self.config.rounds)
        if not reply.text:
            return Dropped(parents=[parent], stage=ctx.agent, reason="empty_turn", subject=debate,
                           detail=f"turn {step.turn} ({step.speaker}, model {cast[step.stance]}) of the "
                                  f"{parent.side} debate on {argument!r} was empty after {reply.attempts} attempt(s)")
        return Turn(parents=[parent], debate=debate, topic=parent.topic, side=parent.side, argument=argument,
                    turn=step.turn, speaker=step.speaker, stance=step.stance, model=cast[step.stance],
                    text=reply.text, truncated=reply.truncated, transcript=transcript)

    def _conclude(self, last: Turn, transcript: list[str], reply: Reply, watcher: str, ctx: Context) -> Message:
        cfg = self.config
        if not reply.text or (reply.truncated and cfg.drop_truncated):
            reason, what = (("empty_conclusion", f"empty after {reply.attempts} attempt(s)") if not reply.text else
                            ("truncated_conclusion", f"cut at conclusion_max_tokens = {cfg.conclusion_max_tokens}"))
            return Dropped(parents=[last], stage=ctx.agent, reason=reason, subject=last.debate,
                           detail=f"the {last.side} conclusion on {last.argument!r} (model {watcher}) was {what}")
        template = ctx.rng("instruction", last.topic, last.side, last.argument).randrange(len(prompts.INSTRUCTIONS))
        return Conclusion(parents=[last], debate=last.debate, topic=last.topic, side=last.side,
                          argument=last.argument, statement=reply.text, template=template,
                          instruction=prompts.instruction(template, last.topic, last.side, last.argument),
                          model=watcher, truncated=reply.truncated, transcript=transcript)
