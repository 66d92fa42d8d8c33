"""The rows DEBATunE's files hold, and the plain JSONL rows this plugin also reads.

Topics, one per row, in any of:
- the reference's topic list (`Debate_topic_only/*.json`): a JSON list of strings;
- the reference's per-topic arguments (`Debate_topic_arguments/*.jsonl`, also its debate logs):
  `{"topic": ..., "Affirmative": {"arguments": [...]}, "Negative": {"arguments": [...]}}`;
- plain rows: `{"topic": ..., "affirmative": [...], "negative": [...]}`, the argument lists optional.
A side whose arguments are given is debated on them; the other side's debater lists its own.

Responses to score for controllability: rows with `topic`, `side` (affirmative or negative, any case) and
`response` (kept as written, even empty), optionally `argument` and `instruction`; the reference's inference output
(`debate_test_arg_2048.json`) is such a file.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from synthloom import Row, RowError
from synthloom.plugins.debate.dialogue import SIDES

TOPIC_HINT = ('a topic row is a string, or an object with "topic" and optional argument lists '
              '("affirmative": [...] or "Affirmative": {"arguments": [...]})')
RESPONSE_HINT = 'a response row needs "topic", "side" (affirmative or negative) and "response" strings'


@dataclass(frozen=True)
class TopicRow:
    topic: str
    arguments: dict[str, list[str]]


@dataclass(frozen=True)
class ResponseRow:
    topic: str
    side: str
    response: str
    argument: str
    instruction: str


def _text(value: Any, name: str, row: Row, hint: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise RowError("missing_field", f"row has no non-empty string {name!r}", where=row.where, hint=hint)
    return value.strip()


def _side_arguments(value: dict[str, Any], side: str, row: Row) -> list[str] | None:
    given = value.get(side, value.get(side.capitalize()))
    if isinstance(given, dict):
        given = given.get("arguments")
    if given is None:
        return None
    if not isinstance(given, list) or not all(isinstance(a, str) for a in given):
        raise RowError("bad_arguments", f"the {side} arguments are not a list of strings", where=row.where,
                       hint=TOPIC_HINT)
    return [a.strip() for a in given if a.strip()]


def topic_row(row: Row) -> TopicRow:
    """A topic and the argument lists given for it, from any of the formats above."""
    if isinstance(row.value, str):
        return TopicRow(_text(row.value, "topic", row, TOPIC_HINT), {})
    if not isinstance(row.value, dict):
        raise RowError("not_a_topic", f"row is a JSON {type(row.value).__name__}", where=row.where, hint=TOPIC_HINT)
    topic = _text(row.value.get("topic"), "topic", row, TOPIC_HINT)
    arguments = {side: given for side in SIDES if (given := _side_arguments(row.value, side, row)) is not None}
    return TopicRow(topic, arguments)


def side_name(value: Any) -> str | None:
    """"affirmative" or "negative" from any capitalisation, else None."""
    side = value.strip().lower() if isinstance(value, str) else None
    return side if side in SIDES else None


def response_row(row: Row) -> ResponseRow:
    value = row.value
    side = side_name(value.get("side"))
    if side is None:
        raise RowError("bad_side", f"side {value.get('side')!r} is not affirmative or negative", where=row.where,
                       hint=RESPONSE_HINT)
    response = value.get("response")
    if not isinstance(response, str):  # an empty response is kept: it is scored, and fails, like any other
        raise RowError("missing_field", "row has no string 'response'", where=row.where, hint=RESPONSE_HINT)
    optional = {name: text if isinstance(text := value.get(name), str) else "" for name in ("argument", "instruction")}
    return ResponseRow(_text(value.get("topic"), "topic", row, RESPONSE_HINT), side, response, **optional)
