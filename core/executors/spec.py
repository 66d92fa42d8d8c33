"""The `executor:` block of a campaign file: where the agents run (this process, or a Ray cluster) and, on Ray,
how many actors each agent gets and what each actor needs.

    executor: ray                       # or, in full:
    executor:
      kind: ray
      address: 10.0.0.1:6379            # a running cluster; leave it out to start a local one
      num_cpus: 2                       # CPUs of the local cluster it starts
      actors: 2                         # actors per agent, unless the agent says otherwise below
      agents:
        generate: {actors: 8, num_gpus: 1}

The same file runs locally (`kind: local`, or `--executor local`): the Ray settings are then unused, so one file
serves both.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from synthloom.errors import ConfigError

if TYPE_CHECKING:
    from synthloom.campaign import ResolvedAgent


class AgentActors(BaseModel):
    """What one agent's actors get on Ray. `num_cpus`/`num_gpus`/`memory_mb` are per actor and reserved for its
    whole life (unset: Ray's default, no reservation while it runs)."""

    model_config = ConfigDict(extra="forbid")

    actors: int | None = Field(default=None, ge=1)
    num_cpus: float | None = Field(default=None, ge=0)
    num_gpus: float = Field(default=0, ge=0)
    memory_mb: int | None = Field(default=None, ge=1)


class ExecutorSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["local", "ray"] = "local"
    address: str | None = Field(default=None, min_length=1)
    num_cpus: int | None = Field(default=None, ge=1)
    actors: int = Field(default=1, ge=1)
    agents: dict[str, AgentActors] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        """`executor: ray` is `executor: {kind: ray}`."""
        return {"kind": value} if isinstance(value, str) else value

    def for_agent(self, name: str) -> AgentActors:
        own = self.agents.get(name, AgentActors())
        return own if own.actors is not None else own.model_copy(update={"actors": self.actors})


def check_executor(spec: ExecutorSpec, agents: list["ResolvedAgent"], where: Callable[[tuple[Any, ...]], str]) -> None:
    """Per-agent settings must name agents of this campaign that run in actors (sources run in the driver)."""
    by_name = {agent.spec.name: agent for agent in agents}
    for name in spec.agents:
        if name not in by_name:
            raise ConfigError(f"executor settings for {name!r}, which is not an agent here",
                              where=where(("executor", "agents", name)),
                              hint=f"agents: {', '.join(sorted(by_name))}")
        if by_name[name].cls.is_source():
            raise ConfigError(f"agent {name!r} is a source: sources run in the driver, not in actors",
                              where=where(("executor", "agents", name)),
                              hint="give actors to the agents that consume messages")
