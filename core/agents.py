"""The agent contract: a class that consumes message kinds in batches and produces message kinds.

An agent is stateless between batches (state lives in messages), which is what lets the runtime resume a killed
campaign by replaying unhandled inputs, and later run the same agent as a Ray actor.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, AsyncIterator, Awaitable, ClassVar, Iterable, Union

from pydantic import BaseModel, ConfigDict

from synthloom.messages import Message

if TYPE_CHECKING:
    from synthloom.context import Context


class AgentConfig(BaseModel):
    """Base of every agent's `Config`: unknown parameters are errors, reported with their path in the campaign."""

    model_config = ConfigDict(extra="forbid")


class SourceConfig(AgentConfig):
    """Config of source agents, which may run for several rounds or until they produced `target` messages."""

    rounds: int = 1
    target: int | None = None


HandleResult = Union[Iterable[Message], Awaitable[Iterable[Message]], AsyncIterator[Message], None]


class Agent:
    """Base class of every agent.

    Class attributes:
      name: how campaigns refer to the agent type (`use: autoif.verifier_writer`); namespaced by plugin.
      consumes / produces: message classes; wiring by kind uses them, and the store gets a view per kind.
      Config: a pydantic model of the agent's parameters (the campaign's `with:` block).
      batch_size: how many inputs `handle` receives at once (a campaign can override it).
      concurrency: how many batches may be in flight at once (I/O-bound agents want more).
      threaded: a synchronous, CPU-bound `handle` runs in a worker thread instead of blocking the event loop.
      barrier: `handle` is called once with every input, after all upstream agents finished (dedup, grouping).

    Sources (agents that consume nothing) implement `produce(ctx)` instead of `handle`; `ctx.round` says which
    round it is when the Config derives from `SourceConfig`.
    """

    name: ClassVar[str] = ""
    consumes: ClassVar[tuple[type[Message], ...]] = ()
    produces: ClassVar[tuple[type[Message], ...]] = ()
    Config: ClassVar[type[AgentConfig]] = AgentConfig
    batch_size: ClassVar[int] = 32
    concurrency: ClassVar[int] = 2
    threaded: ClassVar[bool] = False
    barrier: ClassVar[bool] = False
    description: ClassVar[str] = ""

    def __init__(self, config: AgentConfig | None = None) -> None:
        self.config = config if config is not None else self.Config()

    def handle(self, batch: list[Message], ctx: "Context") -> HandleResult:
        raise NotImplementedError(f"agent {self.name!r} consumes messages but does not implement handle()")

    def produce(self, ctx: "Context") -> HandleResult:
        raise NotImplementedError(f"source agent {self.name!r} does not implement produce()")

    @classmethod
    def is_source(cls) -> bool:
        return not cls.consumes

    @classmethod
    def describe(cls) -> dict[str, Any]:
        return {
            "name": cls.name,
            "consumes": [m.kind_name() for m in cls.consumes],
            "produces": [m.kind_name() for m in cls.produces],
            "config": cls.Config.model_json_schema(),
            "description": cls.description or (cls.__doc__ or "").strip().split("\n")[0],
        }
