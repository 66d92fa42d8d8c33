"""How a campaign's agents are wired: who feeds whom, by message kind or by explicit `inputs:`, and who waits.

Built when the campaign file is loaded, so that "consumes X but nothing produces it" and cycles are reported with
the file and line of the agent, like every other campaign error, before anything runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Sequence

from synthloom.errors import ConfigError

if TYPE_CHECKING:
    from synthloom.agents import Agent
    from synthloom.campaign import AgentSpec

Locate = Callable[[tuple[Any, ...]], str | None]


@dataclass
class Wiring:
    """One agent's place in the graph."""

    name: str
    consumes: frozenset[str]
    produces: frozenset[str]
    inputs: list[str] | None
    after: list[str]
    loops: bool = False
    upstream: set[str] = field(default_factory=set)
    downstream: list[str] = field(default_factory=list)
    followers: list[str] = field(default_factory=list)

    def accepts(self, kind: str, producer: str) -> bool:
        """Whether a message of `kind` from `producer` goes to this agent's inbox (its own only when it loops)."""
        if kind not in self.consumes:
            return False
        if producer == self.name:
            return self.loops
        return self.inputs is None or producer in self.inputs

    @property
    def sources(self) -> list[str]:
        """The agents whose stored messages this one may still have to handle on resume (itself, if it loops)."""
        return sorted(self.upstream | ({self.name} if self.loops else set()))


class Graph:
    """The wiring of every agent; `locate(("agents", i, field))` turns a problem into `file:line: field`."""

    def __init__(self, agents: Sequence[tuple["AgentSpec", type["Agent"]]], locate: Locate | None = None) -> None:
        self._locate = locate or (lambda loc: None)
        self.order = [spec.name for spec, _ in agents]
        self.index = {spec.name: i for i, (spec, _) in enumerate(agents)}
        self.nodes = {spec.name: Wiring(name=spec.name,
                                        consumes=frozenset(k.kind_name() for k in cls.consumes),
                                        produces=frozenset(k.kind_name() for k in cls.produces),
                                        inputs=spec.inputs, after=list(spec.after), loops=cls.loops)
                      for spec, cls in agents}
        self._wire()
        self._check_cycles()

    def __getitem__(self, name: str) -> Wiring:
        return self.nodes[name]

    def _where(self, name: str, what: str) -> str | None:
        return self._locate(("agents", self.index[name], what))

    def _wire(self) -> None:
        for node in self.nodes.values():
            for other in self.nodes.values():
                if other is not node and node.consumes & other.produces and (
                        node.inputs is None or other.name in node.inputs):
                    node.upstream.add(other.name)
                    other.downstream.append(node.name)
            if node.inputs:
                useless = [n for n in node.inputs if not (self.nodes[n].produces & node.consumes)]
                if useless:
                    raise ConfigError(f"agent {node.name!r} takes inputs from {useless}, which produce none of the "
                                      f"kinds it consumes ({sorted(node.consumes)})",
                                      where=self._where(node.name, "inputs"),
                                      hint="list only agents that produce what this agent consumes")
            for before in node.after:
                self.nodes[before].followers.append(node.name)
            if node.loops:
                node.downstream.append(node.name)
            if node.consumes and not node.upstream:
                raise ConfigError(f"agent {node.name!r} consumes {sorted(node.consumes)} but no agent produces them",
                                  where=self._where(node.name, "use"),
                                  hint="add a source agent (for example basic.load_jsonl) or fix `inputs:`")

    def _check_cycles(self) -> None:
        state: dict[str, int] = {}  # 1: on the current path, 2: finished

        def visit(name: str) -> None:
            if state.get(name) == 1:
                raise ConfigError(f"the agents form a cycle through {name!r}", where=self._where(name, "name"),
                                  hint="wire them with `inputs:`, and check their `after:` lists")
            if state.get(name) == 2:
                return
            state[name] = 1
            for down in self.nodes[name].downstream + self.nodes[name].followers:
                if down != name:  # an agent that loops answers its own messages: a dialogue, not a cycle
                    visit(down)
            state[name] = 2

        for name in self.order:
            visit(name)
