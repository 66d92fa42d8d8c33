"""A shard directory read as a store: an in-memory DuckDB whose tables are views over the Parquet globs.

The views carry the same names and columns as a DuckDB store's tables, and every kind gets the same typed view, so
`synthloom sql`, the exporters, the report and the runtime's own resume queries read both kinds of store with the
same SQL. Globs are expanded at each query, so a connection sees the commits made after it was opened.

A batch redone after its worker died between committing and replying commits the same message ids again; the
views keep one row per id (and per handled marker and blob), so readers never see the duplicate.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from synthloom.messages import Message
from synthloom.store import shards
from synthloom.store.image_files import SIZES_SQL
from synthloom.store.schema import SCHEMA_VERSION, view_sql

_JSON_COLUMNS = {"messages": ("payload",), "model_calls": ("request", "response"),
                 "sandbox_runs": ("inputs", "outcomes"), "campaigns": ("config",), "kinds": ("json_schema",)}
_UNIQUE = {"messages": "id", "handled": "campaign, agent, input_id", "blobs": "sha256"}


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _select(table: str, source: str) -> str:
    columns = shards.schemas()[table].names
    casts = ", ".join(f"{c}::JSON AS {c}" if c in _JSON_COLUMNS.get(table, ()) else c for c in columns)
    sql = f"SELECT {casts} FROM read_parquet({_literal(source)})"
    if table in _UNIQUE:
        sql += f" QUALIFY row_number() OVER (PARTITION BY {_UNIQUE[table]}) = 1"
    return sql


def open_views(directory: str | Path) -> Any:
    """A connection on which the shard directory reads like a DuckDB store (read-only in effect)."""
    import duckdb

    directory = Path(directory)
    marker = shards.read_marker(directory)
    con = duckdb.connect(":memory:")
    try:
        for table in shards.TABLES:
            con.execute(f"CREATE VIEW {table} AS {_select(table, shards.glob(directory, table))}")
        con.execute(SIZES_SQL)  # the bytes are in the shards' `blobs`, and `images` is derived, as in a version 2 store
        for table in ("campaigns", "kinds"):
            path = shards.campaign_file(directory, table)
            source = _select(table, str(path)) if path.exists() else _empty(table)
            con.execute(f"CREATE VIEW {table} AS {source}")
        values = ", ".join(f"({_literal(key)}, {_literal(str(value))})" for key, value in
                           {"schema_version": SCHEMA_VERSION, "campaign": marker.get("campaign"),
                            "format": shards.FORMAT}.items())
        con.execute(f"CREATE VIEW meta AS SELECT * FROM (VALUES {values}) AS t(key, value)")
        for row in shards.read_campaign_table(directory, "kinds"):
            con.execute(view_sql(row["kind"], json.loads(row["json_schema"]), Message.BASE_FIELDS))
    except BaseException:
        con.close()
        raise
    return con


def _empty(table: str) -> str:
    """A campaign table before the driver wrote it: the right columns, no rows."""
    types = {"string": "VARCHAR", "timestamp[us]": "TIMESTAMP"}
    schema = shards.schemas()[table]
    columns = ", ".join(f"NULL::{'JSON' if f.name in _JSON_COLUMNS.get(table, ()) else types[str(f.type)]} "
                        f"AS {f.name}" for f in schema)
    return f"SELECT {columns} WHERE false"
