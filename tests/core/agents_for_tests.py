"""A test plugin: agents that exercise rounds, targets, barriers, failures and images."""

from __future__ import annotations

import asyncio
from typing import Callable

from synthloom import Agent, AgentConfig, Context, Image, Message, SourceConfig, hookimpl


class Number(Message):
    kind: str = "testing.number"
    value: int
    round: int = 0


class Total(Message):
    kind: str = "testing.total"
    total: int
    count: int


class Picture(Message):
    kind: str = "testing.picture"
    image: Image
    caption: str


class CountConfig(SourceConfig):
    per_round: int = 5


class Count(Agent):
    name = "testing.count"
    produces = (Number,)
    Config = CountConfig

    def produce(self, ctx: Context) -> list[Number]:
        base = ctx.round * self.config.per_round
        return [Number(value=base + i, round=ctx.round) for i in range(self.config.per_round)]


class FailOnConfig(AgentConfig):
    fail_multiples_of: int = 7


class Square(Agent):
    """Squares numbers, failing on multiples of `fail_multiples_of` (to test per-item isolation)."""

    name = "testing.square"
    consumes = (Number,)
    produces = (Number,)
    Config = FailOnConfig
    batch_size = 4

    def handle(self, batch: list[Number], ctx: Context) -> list[Number]:
        out = []
        for item in batch:
            if item.value % self.config.fail_multiples_of == 0:
                raise ValueError(f"refusing {item.value}")
            out.append(Number(parents=[item], value=item.value ** 2, round=item.round))
        return out


class Sum(Agent):
    name = "testing.sum"
    consumes = (Number,)
    produces = (Total,)
    barrier = True

    def handle(self, batch: list[Number], ctx: Context) -> list[Total]:
        return [Total(parents=batch, total=sum(n.value for n in batch), count=len(batch))]


class Mean(Sum):
    """A barrier that raises on an empty batch (its mean is undefined), as a careless plugin's would."""

    name = "testing.mean"

    def handle(self, batch: list[Number], ctx: Context) -> list[Total]:
        return [Total(parents=batch, total=sum(n.value for n in batch) // len(batch), count=len(batch))]


class SlowSumConfig(AgentConfig):
    delay_s: float = 0.5


class SlowSum(Sum):
    """A barrier that takes a while without blocking the event loop, so that agents not held back run meanwhile."""

    name = "testing.slow_sum"
    Config = SlowSumConfig

    async def handle(self, batch: list[Number], ctx: Context) -> list[Total]:
        await asyncio.sleep(self.config.delay_s)
        return super().handle(batch, ctx)


class Draw(Agent):
    name = "testing.draw"
    consumes = (Number,)
    produces = (Picture,)
    threaded = True

    def handle(self, batch: list[Number], ctx: Context) -> list[Picture]:
        shared = Image.from_bytes(b"\x89PNG same bytes for every picture")
        return [Picture(parents=[n], image=shared, caption=f"picture {n.value}") for n in batch]


class Turn(Message):
    """One turn of a countdown dialogue: `remaining` turns remain; `wave` is the size of the batch it was made in."""

    kind: str = "testing.turn"
    dialogue: int
    remaining: int
    wave: int = 0


class Countdown(Agent):
    """Starts a dialogue per number and answers each turn with the next, until none is left: an agent that loops."""

    name = "testing.countdown"
    consumes = (Number, Turn)
    produces = (Turn,)
    loops = True
    batch_size = 64

    def handle(self, batch: list[Message], ctx: Context) -> list[Message]:
        out: list[Message] = []
        for item in batch:
            if isinstance(item, Number):
                out.append(Turn(parents=[item], dialogue=item.value, remaining=item.value, wave=len(batch)))
            elif item.remaining > 0:
                out.append(Turn(parents=[item], dialogue=item.dialogue, remaining=item.remaining - 1,
                                wave=len(batch)))
        return out


class Liar(Agent):
    """Emits a kind it does not declare in `produces`: every item must fail, not the campaign."""

    name = "testing.liar"
    consumes = (Number,)
    produces = (Number,)

    def handle(self, batch: list[Number], ctx: Context) -> list[Message]:
        return [Total(parents=[n], total=1, count=1) for n in batch]


class BrokenSource(Agent):
    name = "testing.broken_source"
    produces = (Number,)

    def produce(self, ctx: Context) -> list[Number]:
        raise RuntimeError("disk on fire")


@hookimpl
def register_message_kinds(register: Callable[[type], None]) -> None:
    for kind in (Number, Total, Picture, Turn):
        register(kind)


@hookimpl
def register_agents(register: Callable[[type], None]) -> None:
    for agent in (Count, Square, Sum, Mean, SlowSum, Draw, Liar, BrokenSource, Countdown):
        register(agent)


EVENTS: list[tuple[str, str]] = []


@hookimpl
def on_campaign_start(campaign, store) -> None:
    EVENTS.append(("start", campaign.name))


@hookimpl
def on_item_failed(campaign, agent, item, error) -> None:
    EVENTS.append(("failed", f"{agent}:{error}"))


@hookimpl
def on_batch_done(campaign, agent, inputs, outputs) -> None:
    EVENTS.append(("batch", agent))
    raise RuntimeError("a broken observer must not stop the campaign")


@hookimpl
def on_campaign_end(campaign, summary) -> None:
    EVENTS.append(("end", summary.status))
