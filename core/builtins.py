"""Built-in contributions, registered through the same hooks and entry-point group as any plugin.

Backends are registered as `BackendType`s whose parts are import paths, so that their heavy dependencies load only
when a campaign uses them.
"""

from __future__ import annotations

from typing import Any, Callable

from synthloom.backends.registration import BackendType
from synthloom.hookspecs import hookimpl
from synthloom.messages import Dropped, Failure, Message, Record


def _backends() -> list[BackendType]:
    from synthloom.backends.litellm import BACKEND as LITELLM
    from synthloom.backends.transformers import BACKEND as TRANSFORMERS
    from synthloom.backends.vllm import BACKEND as VLLM

    replay = BackendType("replay", create_with="synthloom.backends.replay:create",
                         options="synthloom.backends.replay:ReplayOptions")
    return [replay, LITELLM, TRANSFORMERS, VLLM]


@hookimpl
def register_backends(register: Callable[[str, BackendType], None]) -> None:
    for backend in _backends():
        register(backend.name, backend)


@hookimpl
def register_message_kinds(register: Callable[[type[Message]], None]) -> None:
    for kind in (Failure, Dropped, Record):
        register(kind)


@hookimpl
def register_exporters(register: Callable[[str, Callable[..., Any]], None]) -> None:
    from synthloom import exporters

    for name, fn in exporters.BUILTIN.items():
        register(name, fn)
