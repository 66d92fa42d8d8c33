"""A model for a command that runs without a campaign: the same `ModelClient` as agents get, on a store of its own.

Commands such as `synthloom autoif generate` or `synthloom selection score` call models on plain files. Through a
session, their calls are cached by request hash, retried, budgeted and logged like a campaign's; so a command
killed halfway and run again pays only for what it had not received yet, and its calls can be queried with
`synthloom sql`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from synthloom.backends.base import Backend, ModelSpec
from synthloom.budget import Budget, BudgetSpec
from synthloom.errors import ConfigError, PluginError
from synthloom.model_client import ModelClient


def build_backend(spec: ModelSpec, where: str) -> Backend:
    """The backend a command names, through the plugin registry like a campaign's, its options checked first."""
    from synthloom.registry.contributions import build_registry

    try:
        backend_type = build_registry().backend(spec.backend)
        backend_type.validate(spec)
        return backend_type.create(spec)
    except PluginError as error:
        raise ConfigError(error.message, where=where, hint=error.hint) from None


class ModelSession:
    """`with ModelSession(spec, store, command="autoif-generate") as client: client.generate(...)`.

    The store records the calls under a campaign named after the command; `store` defaults to a file beside the
    command's output, so that rerunning the same command finds its earlier replies.
    """

    def __init__(self, spec: ModelSpec, store: Path, *, command: str, budget: BudgetSpec | None = None) -> None:
        self.spec = spec
        self.store = store
        self.command = command
        self.budget = budget
        self.backend: Backend | None = None
        self._writer: Any = None

    @classmethod
    def for_output(cls, spec: ModelSpec, out: Path, store: Path | None = None, *, command: str) -> "ModelSession":
        """A session logging to `store`, else to `OUT.calls.duckdb` beside the command's output file."""
        return cls(spec, session_store(out, store), command=command)

    def __enter__(self) -> ModelClient:
        from synthloom.store.writer import StoreWriter

        self.backend = build_backend(self.spec, where=f"--model {self.spec.backend}:{self.spec.model}")
        self._writer = StoreWriter(self.store, self.command)
        self._writer.start()
        return ModelClient("model", self.backend, self.command, self._writer, Budget(self.budget),
                           prompt_style=self.spec.prompt_style)

    def __exit__(self, *exc: object) -> None:
        try:
            if self.backend is not None:
                self.backend.close()
        finally:
            if self._writer is not None:
                self._writer.close()


def session_store(out: Path, store: Path | None) -> Path:
    """Where a command's calls are logged: `--store`, else `OUT.calls.duckdb` beside its output."""
    return store if store is not None else out.with_name(out.name + ".calls.duckdb")
