"""Turning a stored row back into its typed message: the one place that knows how messages are laid out."""

from __future__ import annotations

import json
from typing import Any, Callable, Iterator, Mapping

from synthloom.messages import Message, Record

# The columns every reader selects, in this order, to call `message_from_row`.
MESSAGE_COLUMNS = "id, kind, campaign, agent, parents, created_at, payload"


def message_from_row(row: tuple[Any, ...], kinds: Mapping[str, type[Message]]) -> Message:
    """A `messages` row (selected as MESSAGE_COLUMNS) as an instance of its registered kind.

    A kind no installed plugin registers any more is read as a generic `record` with its payload in `data`, so that
    stores outlive the plugins that wrote them.
    """
    id_, kind, campaign, agent, parents, created_at, payload = row
    data = json.loads(payload) if isinstance(payload, str) else payload
    base = {"id": id_, "campaign": campaign, "agent": agent, "parents": parents, "created_at": created_at}
    cls = kinds.get(kind)
    if cls is None:
        return Record(**base, data={"kind": kind, **data})
    return cls.model_validate({**data, **base, "kind": kind})


def with_blobs(rows: list[tuple[Any, ...]], read: Callable[[list[str]], dict[str, bytes]]) -> list[tuple[Any, ...]]:
    """`rows` (MESSAGE_COLUMNS) with the bytes of every image they refer to put back (`read` maps hashes to bytes,
    and is called only when a row refers to an image), so that messages read from the store (a resumed campaign's
    backlog, an export) can be shown to a model or written out."""
    payloads = [json.loads(row[6]) if isinstance(row[6], str) else row[6] for row in rows]
    refs = [ref for payload in payloads for ref in image_dicts(payload)]
    if not refs:
        return rows
    data = read(sorted({ref["sha256"] for ref in refs}))
    for ref in refs:
        ref["data"] = data.get(ref["sha256"])
    return [(*row[:6], payload) for row, payload in zip(rows, payloads)]


def blob_reader(con: Any) -> Callable[[list[str]], dict[str, bytes]]:
    """Image bytes by hash, through an open connection (the `blobs` view or table)."""
    return lambda shas: dict(con.execute("SELECT sha256, data FROM blobs WHERE sha256 IN (SELECT unnest(?))",
                                         [shas]).fetchall())


def image_dicts(value: Any) -> Iterator[dict[str, Any]]:
    """The image references in a stored payload: the dicts with `sha256` and `mime` (an `Image` as JSON)."""
    if isinstance(value, dict):
        if {"sha256", "mime"} <= set(value) and isinstance(value["sha256"], str):
            yield value
        else:
            for item in value.values():
                yield from image_dicts(item)
    elif isinstance(value, list):
        for item in value:
            yield from image_dicts(item)
