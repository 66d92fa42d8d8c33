"""The agent contract: a class that consumes message kinds in batches and produces message kinds.

An agent is stateless between batches (state lives in messages), which is what lets the runtime resume a killed
campaign by replaying unhandled inputs, and later run the same agent as a Ray actor.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, AsyncIterator, Awaitable, ClassVar, Iterable, Iterator, Union

from pydantic import BaseModel, ConfigDict, Field

from synthloom.errors import ConfigError
from synthloom.messages import Message

if TYPE_CHECKING:
    from synthloom.context import Context


class _DataFileMarker:
    """Marks a parameter that names an input file, so that the campaign loader checks it before anything runs."""


DataFile = Annotated[str, _DataFileMarker()]
"""A parameter naming an input file (relative to the campaign file): checked to exist, to be a readable file, and,
for a JSON list, to parse, when the campaign loads."""


class _OutputPathMarker:
    """Marks a parameter naming what the agent writes, so that the loader knows it will exist."""


OutputPath = Annotated[str, _OutputPathMarker()]
"""A parameter naming a file or folder the agent writes (a model it trains, relative to the campaign file): a model
under `models:` may name it before it exists, for agents that run `after:` this one."""


class AgentConfig(BaseModel):
    """Base of every agent's `Config`: unknown parameters are errors, reported with their path in the campaign."""

    model_config = ConfigDict(extra="forbid")


class SourceConfig(AgentConfig):
    """Config of source agents, which may run for several rounds or until they produced `target` messages."""

    rounds: int = Field(default=1, ge=1)
    target: int | None = Field(default=None, ge=1)


def _marked(config: AgentConfig, marker: type, base_dir: Path) -> Iterator[tuple[str, Path]]:
    for name, info in type(config).model_fields.items():
        value = getattr(config, name)
        if isinstance(value, str) and any(isinstance(m, marker) for m in info.metadata):
            path = Path(value).expanduser()
            yield name, Path(os.path.normpath(path if path.is_absolute() else base_dir / path))


def output_paths(config: AgentConfig, base_dir: Path) -> list[Path]:
    """What the agent's `OutputPath` parameters name, as absolute paths."""
    return [path for _, path in _marked(config, _OutputPathMarker, base_dir)]


def check_data_files(config: AgentConfig, base_dir: Path) -> Iterator[tuple[str, ConfigError]]:
    """(field, problem) for each `DataFile` parameter whose file cannot be read."""
    from synthloom.data import check_readable, read_rows

    for name, path in _marked(config, _DataFileMarker, base_dir):
        try:
            check_readable(path)
            if path.suffix == ".json":
                for _ in read_rows(path, tolerant=True, objects=False):
                    pass
        except ConfigError as problem:
            yield name, problem


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
      loops: the agent consumes kinds it produces, so it receives its own messages back: a dialogue, where each turn
        is a message the agent answers with the next turn, until it emits none of its own kind (DEBATunE's debaters).
        Turns waiting in the inbox are batched together, across dialogues.

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
    loops: ClassVar[bool] = False
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
