"""Built-in contributions, registered through the same hooks and entry-point group as any plugin.

Backends are registered as factories that import their heavy dependencies only when a campaign uses them.
"""

from __future__ import annotations

import importlib
from typing import Any, Callable

from synthloom.hookspecs import hookimpl
from synthloom.messages import Failure, Record

BACKEND_FACTORIES = {
    "replay": "synthloom.backends.replay:create",
    "litellm": "synthloom.backends.litellm_backend:create",
    "transformers": "synthloom.backends.transformers_backend:create",
    "vllm": "synthloom.backends.vllm_backend:create",
}


def _lazy(target: str) -> Callable[..., Any]:
    module_name, attr = target.split(":")

    def factory(spec: Any) -> Any:
        return getattr(importlib.import_module(module_name), attr)(spec)

    factory.__qualname__ = factory.__name__ = f"lazy({target})"
    return factory


@hookimpl
def register_backends(register: Callable[[str, Callable[..., Any]], None]) -> None:
    for name, target in BACKEND_FACTORIES.items():
        register(name, _lazy(target))


@hookimpl
def register_message_kinds(register: Callable[[type], None]) -> None:
    register(Failure)
    register(Record)


@hookimpl
def register_exporters(register: Callable[[str, Callable[..., Any]], None]) -> None:
    from synthloom import exporters

    for name, fn in exporters.BUILTIN.items():
        register(name, fn)
