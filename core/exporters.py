"""Exporters turn stored messages of one kind into dataset rows, and rows into files TRL can read.

Items a stage dropped are `dropped` messages, never rows of the kind they would have been, so an export holds
exactly what survived. TRL's conversational formats are the targets: SFT rows are
`{"messages": [{"role", "content"}, ...]}` and preference rows are `{"prompt": [...], "chosen": [...], "rejected":
[...]}`. A message kind opts in by defining `to_sft()` / `to_dpo()` or by having fields with those names.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from synthloom.errors import ConfigError, SynthloomError
from synthloom.messages import Message


def _fields_or_method(message: Message, method: str, fields: tuple[str, ...]) -> dict[str, Any]:
    if hasattr(message, method):
        return getattr(message, method)()
    if all(hasattr(message, f) for f in fields):
        return {f: getattr(message, f) for f in fields}
    raise SynthloomError(f"message kind {message.kind!r} cannot be exported as {method[3:].upper()}",
                         hint=f"define {method}() on the kind, or give it fields {', '.join(fields)}")


def trl_sft(messages: list[Message]) -> list[dict[str, Any]]:
    return [_fields_or_method(m, "to_sft", ("messages",)) for m in messages]


def trl_dpo(messages: list[Message]) -> list[dict[str, Any]]:
    return [_fields_or_method(m, "to_dpo", ("prompt", "chosen", "rejected")) for m in messages]


def rows(messages: list[Message]) -> list[dict[str, Any]]:
    return [{"id": m.id, "parents": m.parents, **m.payload()} for m in messages]


BUILTIN: dict[str, Callable[[list[Message]], list[dict[str, Any]]]] = {
    "trl-sft": trl_sft,
    "trl-dpo": trl_dpo,
    "rows": rows,
}


def export(store_path: str | Path, kind: str, exporter: str, out: str | Path, registry: Any,
           campaign: str | None = None, agent: str | None = None) -> tuple[Path, int]:
    """Write the messages of `kind` in the store as rows of `exporter`; (path written, number of rows)."""
    from synthloom.data import write_rows
    from synthloom.store import load_messages

    if kind not in registry.kinds:
        raise ConfigError(f"unknown message kind {kind!r}", hint=f"known kinds: {', '.join(sorted(registry.kinds))}")
    produced = registry.exporter(exporter)(load_messages(store_path, kind, registry.kinds, campaign, agent))
    return write_rows(produced, out), len(produced)
