"""Distributions: every numeric field of every message kind, text lengths in characters, and tokens per model call.

Which fields are numeric comes from the typed view each kind has in the store (built from the kind's JSON schema
when the campaign opened the store: BIGINT and DOUBLE columns are numbers, VARCHAR columns text), so the report needs
no plugin to be installed to read a campaign.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from synthloom.errors import ConfigError
from synthloom.report.binning import Histogram, histogram
from synthloom.store.schema import view_name

NUMERIC_TYPES = ("BIGINT", "DOUBLE", "INTEGER", "FLOAT", "DECIMAL", "HUGEINT", "SMALLINT", "TINYINT", "UBIGINT")
BASE_COLUMNS = ("id", "campaign", "agent", "parents", "created_at")
CORE_KINDS = ("dropped", "failure")
TOKEN_COLUMNS = ("prompt_tokens", "completion_tokens")


@dataclass(frozen=True)
class KindFields:
    """A kind with messages in the campaign, and the fields of its typed view by type."""

    kind: str
    view: str
    messages: int
    numeric: list[str] = field(default_factory=list)
    text: list[str] = field(default_factory=list)


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def kind_fields(con: Any, campaign: str) -> list[KindFields]:
    """Every kind this campaign stored (dropped items and failures aside: the funnel shows those), in order of
    first appearance."""
    counts = con.execute("SELECT kind, count(*) FROM messages WHERE campaign = ? AND kind NOT IN ('dropped', "
                         "'failure') GROUP BY kind ORDER BY min(created_at), kind", [campaign]).fetchall()
    views = {kind: view_name(kind) for kind, _ in counts}
    columns: dict[str, list[tuple[str, str]]] = {}
    if views:
        rows = con.execute("SELECT table_name, column_name, data_type FROM information_schema.columns "
                           "WHERE table_catalog = current_database() AND table_name IN (SELECT unnest(?)) ORDER BY table_name, ordinal_position",
                           [list(views.values())]).fetchall()
        for table, column, data_type in rows:
            if column not in BASE_COLUMNS:
                columns.setdefault(table, []).append((column, data_type))
    found = []
    for kind, count in counts:
        typed = columns.get(views[kind], [])
        found.append(KindFields(kind, views[kind], int(count),
                                numeric=[c for c, t in typed if t.startswith(NUMERIC_TYPES)],
                                text=[c for c, t in typed if t == "VARCHAR"]))
    return found


def _fields_of(con: Any, campaign: str, kind: str) -> KindFields:
    for fields in kind_fields(con, campaign):
        if fields.kind == kind:
            return fields
    raise ConfigError(f"campaign {campaign!r} stored no {kind!r} messages, or its store has no view for the kind",
                      hint="`synthloom sql \"SELECT kind, count(*) FROM messages GROUP BY 1\" --store ...` lists them")


def _over_kind(con: Any, fields: KindFields, value: str, campaign: str, label: str) -> Histogram:
    return histogram(con, f"{_quoted(fields.view)} WHERE campaign = ?", value, [campaign], label, series="agent")


def field_histogram(con: Any, campaign: str, kind: str, name: str) -> Histogram:
    """A numeric field of a kind, over this campaign's messages of that kind."""
    fields = _fields_of(con, campaign, kind)
    if name not in fields.numeric:
        raise ConfigError(f"kind {kind!r} has no numeric field {name!r}",
                          hint=f"numeric fields: {', '.join(fields.numeric) or 'none'}")
    return _over_kind(con, fields, _quoted(name), campaign, f"{kind}.{name}")


def numeric_histograms(con: Any, campaign: str, fields: KindFields) -> list[Histogram]:
    """Every numeric field of a kind."""
    return [_over_kind(con, fields, _quoted(name), campaign, f"{fields.kind}.{name}") for name in fields.numeric]


def length_histograms(con: Any, campaign: str, fields: KindFields) -> list[Histogram]:
    """Characters in every text field of a kind."""
    return [_over_kind(con, fields, f"length({_quoted(name)})", campaign, f"{fields.kind}.{name} (characters)")
            for name in fields.text]


def token_histogram(con: Any, campaign: str, column: str) -> Histogram:
    """Tokens per answered model call (prompt or completion), over every agent and model."""
    if column not in TOKEN_COLUMNS:
        raise ValueError(f"not a token column: {column!r}")
    return histogram(con, "model_calls WHERE campaign = ? AND error IS NULL", column, [campaign],
                     f"model_calls.{column}", series="agent")
