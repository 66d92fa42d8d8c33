"""The store's tables, its schema version, and the typed SQL view each message kind gets."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from synthloom.errors import StoreError

SCHEMA_VERSION = "3"
# Version 3 moved image bytes out of the `blobs` table into files beside the store (`image_files`); a version 2 store
# is still read (its `blobs` table has the bytes) and is migrated when a campaign next writes it.
READABLE_VERSIONS = ("2", SCHEMA_VERSION)

IMAGES_TABLE = "CREATE TABLE IF NOT EXISTS images (sha256 VARCHAR PRIMARY KEY, mime VARCHAR, size BIGINT);"
SCHEMA = f"""
CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE TABLE IF NOT EXISTS campaigns (
    name VARCHAR PRIMARY KEY, config JSON, config_hash VARCHAR, status VARCHAR,
    created_at TIMESTAMP, updated_at TIMESTAMP);
CREATE TABLE IF NOT EXISTS messages (
    id VARCHAR, campaign VARCHAR, kind VARCHAR, agent VARCHAR, parents VARCHAR[],
    created_at TIMESTAMP, payload JSON);
CREATE TABLE IF NOT EXISTS handled (
    campaign VARCHAR, agent VARCHAR, input_id VARCHAR);
CREATE TABLE IF NOT EXISTS model_calls (
    campaign VARCHAR, agent VARCHAR, model VARCHAR, backend VARCHAR, op VARCHAR, request_hash VARCHAR,
    request JSON, response JSON, prompt_tokens BIGINT, completion_tokens BIGINT, latency_ms DOUBLE,
    cost DOUBLE, cached BOOLEAN, error VARCHAR, created_at TIMESTAMP);
CREATE TABLE IF NOT EXISTS sandbox_runs (
    campaign VARCHAR, agent VARCHAR, code_hash VARCHAR, entrypoint VARCHAR, inputs JSON, outcomes JSON,
    duration_ms DOUBLE, created_at TIMESTAMP);
{IMAGES_TABLE}
CREATE TABLE IF NOT EXISTS kinds (kind VARCHAR PRIMARY KEY, view VARCHAR, json_schema JSON);
"""
def init_schema(con: Any, path: str | Path) -> None:
    """Create the tables, or check that an existing store has our schema version."""
    tables = {row[0] for row in con.execute("SELECT table_name FROM information_schema.tables "
                                            "WHERE table_catalog = current_database()").fetchall()}
    if "meta" in tables:
        row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        version = row[0] if row else None
        if version == "2":
            _migrate_images(con, path)
        elif version != SCHEMA_VERSION:
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


def _migrate_images(con: Any, path: str | Path) -> None:
    """Version 2 to 3: each stored image's bytes into its file, then its row into `images`, in one transaction with
    dropping `blobs` and the version change (an interrupted migration leaves a version 2 store and some files)."""
    from synthloom.store.image_files import ImageFiles

    files = ImageFiles(path)
    shas, mimes, sizes = [], [], []
    cursor = con.execute("SELECT sha256, mime, data FROM blobs")
    while chunk := cursor.fetchmany(64):
        for sha256, mime, data in chunk:
            files.put(sha256, data)
            shas.append(sha256)
            mimes.append(mime)
            sizes.append(len(data))
    con.execute("BEGIN")
    con.execute("DROP VIEW IF EXISTS temp.main.images")  # this connection's view of the version 2 table
    con.execute(IMAGES_TABLE)
    con.execute("INSERT INTO images SELECT unnest(?), unnest(?), unnest(?)", [shas, mimes, sizes])
    con.execute("DROP TABLE blobs")
    con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [SCHEMA_VERSION])
    con.execute("COMMIT")


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
