"""The expensive things a campaign shares between its agents: model backends and the sandbox.

Each is created on first use (an agent that never calls a model never loads one), once per campaign run, and closed
when the run ends, whatever way it ends.
"""

from __future__ import annotations

import asyncio
import threading
from typing import TYPE_CHECKING, Any, Callable

from synthloom.backends.base import Backend
from synthloom.errors import ConfigError, PluginError
from synthloom.sandboxing import Sandbox

if TYPE_CHECKING:
    from synthloom.campaign import Campaign
    from synthloom.registry.contributions import Registry


def docker_sandbox() -> Sandbox:
    """The default sandbox: hardened, warm Docker containers (imported only when an agent runs code)."""
    from synthloom.sandbox import DockerSandbox

    return DockerSandbox().start()


class Resources:
    def __init__(self, campaign: "Campaign", registry: "Registry",
                 sandbox_factory: Callable[[], Sandbox] = docker_sandbox) -> None:
        self.campaign = campaign
        self.registry = registry
        self._sandbox_factory = sandbox_factory
        self._backends: dict[str, Backend] = {}
        self._sandbox: Sandbox | None = None
        self._lock = threading.Lock()

    def backend(self, name: str) -> Backend:
        """The campaign's model `name`, created on first use."""
        with self._lock:
            if name not in self._backends:
                spec = self.campaign.local_model(self.campaign.models[name])
                try:
                    self._backends[name] = self.registry.backend(spec.backend).create(spec)
                except PluginError as error:
                    raise ConfigError(error.message, where=f"models.{name}.backend", hint=error.hint) from None
            return self._backends[name]

    def lazy_backend(self, name: str) -> "LazyBackend":
        return LazyBackend(lambda: self.backend(name))

    def sandbox(self) -> Sandbox:
        with self._lock:
            if self._sandbox is None:
                self._sandbox = self._sandbox_factory()
            return self._sandbox

    async def close(self) -> None:
        for backend in self._backends.values():
            backend.close()
        self._backends.clear()
        if self._sandbox is not None:
            await asyncio.to_thread(self._sandbox.close)
            self._sandbox = None


class LazyBackend:
    """A backend created on first use; backend-specific attributes (a transformers backend's `tokenizer`) reach
    through to it."""

    def __init__(self, make: Callable[[], Backend]) -> None:
        self._make = make
        self._backend: Backend | None = None

    def _get(self) -> Backend:
        if self._backend is None:
            self._backend = self._make()
        return self._backend

    @property
    def id(self) -> str:
        return self._get().id

    @property
    def can_score(self) -> bool:
        return self._get().can_score

    @property
    def independent_requests(self) -> bool:
        return getattr(self._get(), "independent_requests", False)

    async def generate(self, requests: list[Any]) -> list[Any]:
        return await (await self._loaded()).generate(requests)

    async def score(self, requests: list[Any]) -> list[Any]:
        return await (await self._loaded()).score(requests)

    async def _loaded(self) -> Backend:
        """Loading a local model takes seconds: do it off the event loop, so that other agents go on."""
        return self._backend if self._backend is not None else await asyncio.to_thread(self._get)

    def close(self) -> None:
        """The campaign's Resources own the backend and close it."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._get(), name)
