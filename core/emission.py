"""What happens to the messages an agent emits before anyone sees them: checked, linked, and given their ids.

Ids are derived from (campaign, agent, its configuration, kind, parents, ordinal), never from a clock or a counter,
so that a rerun or a resumed run emits the very same ids and the store can ignore what it already holds.
"""

from __future__ import annotations

from typing import Iterable

from synthloom.errors import PluginError
from synthloom.messages import Dropped, Failure, Message, derive_id

STAMPED = ("parents", "campaign", "agent", "id")  # the fields `stamp` sets


def stamp(outputs: Iterable[object], batch: list[Message], *, campaign: str, agent: str, agent_type: str,
          config_hash: str, produces: frozenset[str], salt: str = "",
          ordinals: dict[tuple[str, ...], int] | None = None) -> list[Message]:
    """Check every output, default its parents to the single input, and set campaign, agent and id.

    `ordinals` carries the numbering across calls, for a source whose round is stamped a chunk at a time.
    """
    stamped: list[Message] = []
    ordinals = {} if ordinals is None else ordinals
    for message in outputs:
        if not isinstance(message, Message):
            raise PluginError(f"agent {agent!r} ({agent_type}) emitted {type(message).__name__}, not a Message")
        if message.kind not in produces and not isinstance(message, (Failure, Dropped)):
            raise PluginError(f"agent {agent!r} emitted kind {message.kind!r}, which it does not declare in "
                              f"`produces` ({sorted(produces)})")
        fields = message.__dict__
        parents = fields["parents"]
        if not parents and len(batch) == 1:
            parents = [batch[0].id]
        elif not parents and batch:
            raise PluginError(f"agent {agent!r} emitted a {message.kind!r} without parents from a batch of "
                              f"{len(batch)}", hint="set parents=[input] on every message it emits")
        key = tuple(sorted(parents))
        ordinal = ordinals.get(key, 0)
        ordinals[key] = ordinal + 1
        # Written to the instance's fields directly: pydantic's __setattr__ was 4% of a replay campaign's time
        # (profiled), and these values are the runtime's own, of the declared types.
        fields.update(parents=parents, campaign=campaign, agent=agent,
                      id=derive_id(campaign, agent, config_hash, message.kind, parents, ordinal, salt))
        message.__pydantic_fields_set__.update(STAMPED)
        stamped.append(message)
    return stamped
