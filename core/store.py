"""The DuckDB store: schema, typed views per message kind, and read access.

Concurrency rule (DuckDB allows one read-write process or several read-only ones, never both): the campaign's
writer opens the file only for the duration of a flush (about every half second) and closes it again, so that
other processes (`synthloom sql`) can open it read-only in between. Readers and the writer both retry briefly
when they find the file locked. A second campaign writing the same store is refused by a lock file held for the
whole run, so two writers never interleave.
"""

from __future__ import annotations

import contextlib
import json
import time
from pathlib import Path
from typing import Any, Iterator

from synthloom.errors import StoreError

SCHEMA_VERSION = "1"

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE TABLE IF NOT EXISTS campaigns (
    name VARCHAR PRIMARY KEY, config JSON, config_hash VARCHAR, status VARCHAR,
    created_at TIMESTAMP, updated_at TIMESTAMP);
CREATE TABLE IF NOT EXISTS messages (
    id VARCHAR PRIMARY KEY, campaign VARCHAR, kind VARCHAR, agent VARCHAR, parents VARCHAR[],
    created_at TIMESTAMP, payload JSON);
CREATE TABLE IF NOT EXISTS handled (
    campaign VARCHAR, agent VARCHAR, input_id VARCHAR, PRIMARY KEY (campaign, agent, input_id));
CREATE TABLE IF NOT EXISTS model_calls (
    campaign VARCHAR, agent VARCHAR, model VARCHAR, backend VARCHAR, op VARCHAR, request_hash VARCHAR,
    request JSON, response JSON, prompt_tokens BIGINT, completion_tokens BIGINT, latency_ms DOUBLE,
    cost DOUBLE, cached BOOLEAN, error VARCHAR, created_at TIMESTAMP);
CREATE TABLE IF NOT EXISTS sandbox_runs (
    campaign VARCHAR, agent VARCHAR, code_hash VARCHAR, entrypoint VARCHAR, inputs JSON, outcomes JSON,
    duration_ms DOUBLE, created_at TIMESTAMP);
CREATE TABLE IF NOT EXISTS blobs (sha256 VARCHAR PRIMARY KEY, mime VARCHAR, data BLOB);
CREATE TABLE IF NOT EXISTS kinds (kind VARCHAR PRIMARY KEY, view VARCHAR, json_schema JSON);
"""

LOCK_MARKERS = ("lock", "Conflicting lock", "being used by another process", "Could not set lock")


def _is_lock_error(error: Exception) -> bool:
    return any(marker in str(error) for marker in LOCK_MARKERS)


def connect(path: str | Path, *, read_only: bool, wait_s: float = 30.0) -> Any:
    """Open the store, waiting while another process holds DuckDB's file lock; errors say what to do."""
    import duckdb

    path = Path(path)
    if read_only and not path.exists():
        raise StoreError(f"store {str(path)!r} does not exist", hint="run a campaign first, or check --store")
    deadline = time.monotonic() + wait_s
    delay = 0.02
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.Error as error:
            if _is_lock_error(error) and time.monotonic() < deadline:
                time.sleep(delay)
                delay = min(0.5, delay * 1.5)
                continue
            if _is_lock_error(error):
                raise StoreError(f"store {str(path)!r} stayed locked for {wait_s:.0f} s: {error}",
                                 hint="another process holds it; wait for it, or query a copy") from error
            raise StoreError(f"cannot open store {str(path)!r}: {error}",
                             hint="the file is not a DuckDB database or is damaged; move it away and rerun "
                                  "the campaign into a new store") from error


def init_schema(con: Any, path: str | Path) -> None:
    """Create the tables, or check that an existing store has our schema version."""
    tables = {row[0] for row in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    if "meta" in tables:
        row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        version = row[0] if row else None
        if version != SCHEMA_VERSION:
            raise StoreError(
                f"store {str(path)!r} has schema version {version!r}; this synthloom uses {SCHEMA_VERSION!r}",
                hint="write this campaign to a new store (--store or `store:` in the campaign), or use the "
                     "synthloom version that created it",
            )
    elif tables:
        raise StoreError(f"{str(path)!r} is a DuckDB file but not a synthloom store (tables: {sorted(tables)})",
                         hint="choose another store path")
    con.execute(SCHEMA)
    con.execute("INSERT INTO meta VALUES ('schema_version', ?) ON CONFLICT DO NOTHING", [SCHEMA_VERSION])


def view_name(kind: str) -> str:
    return kind.replace(".", "_").replace("-", "_")


_JSON_TYPES = {"string": "VARCHAR", "integer": "BIGINT", "number": "DOUBLE", "boolean": "BOOLEAN"}


def _column_type(prop: dict[str, Any]) -> str:
    if "anyOf" in prop:
        kinds = [p for p in prop["anyOf"] if p.get("type") != "null"]
        if len(kinds) == 1:
            return _column_type(kinds[0])
        return "JSON"
    if prop.get("format") == "date-time":
        return "TIMESTAMP"
    return _JSON_TYPES.get(prop.get("type", ""), "JSON")


def view_sql(kind: str, json_schema: dict[str, Any], base_fields: tuple[str, ...]) -> str:
    """A view with one typed column per field of the kind, so users query `autoif_instruction.text` directly."""
    columns = ["id", "campaign", "agent", "parents", "created_at"]
    for name, prop in json_schema.get("properties", {}).items():
        if name in base_fields:
            continue
        path = "$." + json.dumps(name)
        sql_type = _column_type(prop)
        ident = '"' + name.replace('"', '""') + '"'
        if sql_type == "VARCHAR":
            columns.append(f"json_extract_string(payload, '{path}') AS {ident}")
        elif sql_type == "JSON":
            columns.append(f"json_extract(payload, '{path}') AS {ident}")
        else:
            columns.append(f"TRY_CAST(json_extract_string(payload, '{path}') AS {sql_type}) AS {ident}")
    quoted_kind = kind.replace("'", "''")
    return (f'CREATE OR REPLACE VIEW "{view_name(kind)}" AS SELECT {", ".join(columns)} '
            f"FROM messages WHERE kind = '{quoted_kind}'")


@contextlib.contextmanager
def reading(path: str | Path, wait_s: float = 30.0) -> Iterator[Any]:
    """A read-only connection, closed afterwards so that a running campaign can flush again."""
    con = connect(path, read_only=True, wait_s=wait_s)
    try:
        yield con
    finally:
        con.close()


def query(path: str | Path, sql: str, params: list[Any] | None = None) -> tuple[list[str], list[tuple]]:
    """Run one query read-only: (column names, rows)."""
    import duckdb

    with reading(path) as con:
        try:
            cursor = con.execute(sql, params or [])
        except duckdb.Error as error:
            raise StoreError(f"query failed: {error}", hint="`SHOW TABLES` lists tables and per-kind views") from error
        columns = [d[0] for d in cursor.description] if cursor.description else []
        return columns, cursor.fetchall()
