"""A pool row as "Rethinking Data Selection at Scale" (arXiv 2410.09335) reads it: a query and a response.

The reference (xiatingyu/SFT-DataSelection-at-scale: `cross_entropy/entropy_response.py`,
`token_length/compute_token_num.py`) reads ShareGPT rows and builds the query from every turn before the last, each
human turn as "\\nHuman: {value}\\nAssistant: " and each earlier assistant turn glued on as is, then strips the
whole; the response is the last turn. Alpaca rows are read as a one-turn conversation (instruction, a blank line and
the input when there is one), so that the two formats count and score alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from synthloom import Row, RowError
from synthloom.plugins.selection.parsing import alpaca_item

HUMAN_TURN = "\nHuman: {value}\nAssistant: "
HUMAN_ROLES = ("human", "user")
ASSISTANT_ROLES = ("gpt", "assistant")
SHAREGPT_HINT = ('a ShareGPT row is {"conversations": [{"from": "human", "value": ...}, {"from": "gpt", "value": '
                 '...}]}, ending with an assistant turn; an Alpaca row has "instruction", "output" and optionally '
                 '"input"')


@dataclass(frozen=True)
class PoolItem:
    """What every scale baseline reads: the templated query and the last response."""

    query: str
    response: str

    def text(self) -> str:
        """Query and response as one string (what k-means embeds and ZIP's length statistics count)."""
        return f"{self.query} {self.response}"


def reference_query(turns: Sequence[tuple[str, str]]) -> str:
    """The reference's query for (role, text) turns that precede the scored response."""
    encoded = "".join(HUMAN_TURN.format(value=text) if role in HUMAN_ROLES else text for role, text in turns)
    return encoded.strip()


def pool_item(row: Row) -> PoolItem:
    """The query and response of a ShareGPT (`conversations`) or Alpaca row; system turns are ignored, as there."""
    value = row.value
    if isinstance(value, dict) and "conversations" in value:
        return _sharegpt(value["conversations"], row)
    item = alpaca_item(row)
    user = f"{item.instruction}\n\n{item.input}" if item.input else item.instruction
    return PoolItem(reference_query([("human", user)]), item.output)


def _sharegpt(turns: Any, row: Row) -> PoolItem:
    if not isinstance(turns, list):
        raise RowError("bad_conversation", "`conversations` is not a list", where=row.where, hint=SHAREGPT_HINT)
    kept: list[tuple[str, str]] = []
    for turn in turns:
        role = turn.get("from") if isinstance(turn, dict) else None
        text = turn.get("value") if isinstance(turn, dict) else None
        if not isinstance(role, str) or not isinstance(text, str):
            raise RowError("bad_conversation", "a turn lacks string `from` and `value`", where=row.where,
                           hint=SHAREGPT_HINT)
        if role in HUMAN_ROLES or role in ASSISTANT_ROLES:
            kept.append((role, text))
    if not kept or kept[-1][0] not in ASSISTANT_ROLES:
        raise RowError("bad_conversation", "the conversation does not end with an assistant turn", where=row.where,
                       hint=SHAREGPT_HINT)
    return PoolItem(reference_query(kept[:-1]), kept[-1][1])
