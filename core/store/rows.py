"""Turning a stored row back into its typed message: the one place that knows how messages are laid out."""

from __future__ import annotations

import json
from typing import Any, Mapping

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
