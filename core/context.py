"""What an agent can reach while it handles a batch: named models, the sandbox, seeded randomness, a logger.

Models come as `ModelClient`s (caching, retries, budget and call logging happen there) and the sandbox as a
`SandboxClient` (every run logged), so that no plugin has to, or can forget to, do those itself.
"""

from __future__ import annotations

import asyncio
import logging
import random
from pathlib import Path
from typing import TYPE_CHECKING, Any, Awaitable, TypeVar

from synthloom.errors import ConfigError
from synthloom.messages import hash_text, json_string, stable_hash

if TYPE_CHECKING:
    from synthloom.model_client import ModelClient
    from synthloom.sandboxing import SandboxClient

T = TypeVar("T")


class Context:
    """Handed to `Agent.handle` and `Agent.produce`; see docs/reference.md for every attribute."""

    def __init__(self, *, campaign: str, agent: str, seed: int, models: dict[str, ModelClient],
                 sandbox: SandboxClient, default_model: str | None, base_dir: Path | None = None,
                 loop: asyncio.AbstractEventLoop | None = None, round: int = 0) -> None:
        self.campaign = campaign
        self.base_dir = base_dir or Path.cwd()
        self.loop = loop
        self.agent = agent
        self.seed = seed
        self.round = round
        self._models = models
        self._default_model = default_model
        self.sandbox = sandbox
        self.log = logging.getLogger(f"synthloom.agent.{agent}")

    def model(self, name: str | None = None) -> ModelClient:
        """The named model of the campaign, or this agent's default (its `model:` in the campaign)."""
        key = name or self._default_model
        if key is None or key not in self._models:
            known = ", ".join(sorted(self._models)) or "none"
            raise ConfigError(
                f"agent {self.agent!r} asked for model {key!r}, which the campaign does not define (defined: {known})",
                hint="add it under `models:` in the campaign file, or set the agent's `model:`",
            )
        return self._models[key]

    def rng(self, *keys: Any) -> random.Random:
        """A generator seeded by the campaign seed, this agent and `keys` (usually an input's id).

        Seeding per input rather than per run keeps results identical however inputs are batched or resumed.
        """
        return random.Random(stable_hash([self.seed, self.agent, list(keys)], length=16))

    def seed_for(self, *keys: Any) -> int:
        """An integer seed for sampling backends, derived like `rng`."""
        if type(self.seed) is int and all(type(key) is str for key in keys):
            # the text stable_hash would encode, written directly: every sampled request of a campaign comes here
            listed = ",".join(map(json_string, keys))
            return int(hash_text(f'[{self.seed},{json_string(self.agent)},"sampling",[{listed}]]', 8), 16)
        return int(stable_hash([self.seed, self.agent, "sampling", list(keys)], length=8), 16)

    def with_round(self, round: int) -> "Context":
        return Context(campaign=self.campaign, agent=self.agent, seed=self.seed, models=self._models,
                       sandbox=self.sandbox, default_model=self._default_model, base_dir=self.base_dir,
                       loop=self.loop, round=round)

    def resolve_path(self, path: str | Path) -> Path:
        """Relative paths in agent parameters are relative to the campaign file, not to the working directory."""
        path = Path(path).expanduser()
        return path if path.is_absolute() else self.base_dir / path

    def wait(self, awaitable: Awaitable[T]) -> T:
        """Run a model or sandbox call from a threaded (synchronous) agent and wait for its result."""
        if self.loop is None:
            raise RuntimeError("Context.wait() needs the runtime's event loop")
        return asyncio.run_coroutine_threadsafe(awaitable, self.loop).result()
