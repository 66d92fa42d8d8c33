"""A shard directory: the store of a campaign run on Ray, as Parquet files that DuckDB reads with globs.

Many workers write at once, and DuckDB lets one process write a file: so each writer (the driver, every agent
actor) appends its own files, and readers see the union. The layout:

    synthloom-shards.json        what the directory holds: format, schema version, campaign
    campaign/campaigns.parquet   the campaign's configuration and status (rewritten by the driver)
    campaign/kinds.parquet       each message kind's JSON schema (the typed views)
    commits/NAME/TABLE.parquet   one commit of one writer: rows of some of the tables in `TABLES`
    staging/NAME/                a commit being written
    journal/WRITER.journal*      a writer's model calls, journaled the moment they return
    journal/WRITER.lock          held (flock) by the live writer of that id

A commit is written in `staging/` and renamed into `commits/` in one step, so its files appear together: an
agent's outputs and the markers that their inputs are handled are never visible one without the other, which is
the same guarantee the DuckDB store gets from a transaction. The shared folder must be a POSIX file system
(local disk, NFS, Lustre, EFS) where a rename within it is atomic; object stores are not.
"""

from __future__ import annotations

import fcntl
import functools
import json
import os
import time
import uuid
from pathlib import Path
from typing import IO, Any

from synthloom.errors import StoreError
from synthloom.store.schema import READABLE_VERSIONS, SCHEMA_VERSION

FORMAT = "synthloom-shards"
MARKER = "synthloom-shards.json"
TABLES = ("messages", "handled", "model_calls", "sandbox_runs", "blobs")
INITIAL_COMMIT = "00000000-empty"  # every table's (empty) file, so that each glob matches at least one file
GLOB_CHARACTERS = set("*?[]{}")


@functools.cache
def schemas() -> dict[str, Any]:
    """The Parquet schema of each table; every file of a table has exactly this one, so globs union cleanly."""
    import pyarrow as pa

    text, ts = pa.string(), pa.timestamp("us")
    return {
        "messages": pa.schema([("id", text), ("campaign", text), ("kind", text), ("agent", text),
                               ("parents", pa.list_(text)), ("created_at", ts), ("payload", text)]),
        "handled": pa.schema([("campaign", text), ("agent", text), ("input_id", text)]),
        "model_calls": pa.schema([("campaign", text), ("agent", text), ("model", text), ("backend", text),
                                  ("op", text), ("request_hash", text), ("request", text), ("response", text),
                                  ("prompt_tokens", pa.int64()), ("completion_tokens", pa.int64()),
                                  ("latency_ms", pa.float64()), ("cost", pa.float64()), ("cached", pa.bool_()),
                                  ("error", text), ("created_at", ts)]),
        "sandbox_runs": pa.schema([("campaign", text), ("agent", text), ("code_hash", text), ("entrypoint", text),
                                   ("inputs", text), ("outcomes", text), ("duration_ms", pa.float64()),
                                   ("created_at", ts)]),
        "blobs": pa.schema([("sha256", text), ("mime", text), ("data", pa.binary())]),
        "campaigns": pa.schema([("name", text), ("config", text), ("config_hash", text), ("status", text),
                                ("created_at", ts), ("updated_at", ts)]),
        "kinds": pa.schema([("kind", text), ("view", text), ("json_schema", text)]),
    }


def table_from_rows(table: str, rows: list[dict[str, Any]]) -> Any:
    """Rows (dicts) of `table` as an Arrow table of its shard schema."""
    import pyarrow as pa

    return pa.Table.from_pylist(rows, schema=schemas()[table])


def glob(directory: Path, table: str) -> str:
    return str(directory / "commits" / "*" / f"{table}.parquet")


def campaign_file(directory: Path, table: str) -> Path:
    return directory / "campaign" / f"{table}.parquet"


def read_marker(directory: Path) -> dict[str, Any]:
    """What the directory says it holds; a folder that is not a shard directory of our schema is refused."""
    marker = directory / MARKER
    try:
        found = json.loads(marker.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise StoreError(f"{str(directory)!r} is a folder but not a synthloom shard directory (no {MARKER})",
                         hint="give --store a shard directory a Ray run wrote, or a DuckDB store file") from None
    except (OSError, ValueError) as error:
        raise StoreError(f"cannot read {str(marker)!r}: {error}", hint="the shard directory is damaged") from None
    if not isinstance(found, dict) or found.get("format") != FORMAT:
        raise StoreError(f"{str(marker)!r} does not describe a synthloom shard directory",
                         hint="give --store a shard directory a Ray run wrote")
    if found.get("schema_version") not in READABLE_VERSIONS:  # shards kept their layout from version 2 to 3
        raise StoreError(f"shard directory {str(directory)!r} has schema version {found.get('schema_version')!r}; "
                         f"this synthloom uses {SCHEMA_VERSION!r}",
                         hint="write this campaign to a new store, or use the synthloom version that created it")
    return found


def check_for_campaign(directory: Path, campaign: str) -> None:
    """Refuse a path where this campaign's shards cannot go: a file, another campaign's or schema's shards, or a
    folder holding something else. Reads only: nothing is created."""
    if set(str(directory)) & GLOB_CHARACTERS:
        raise StoreError(f"shard directory {str(directory)!r} has a glob character ({''.join(GLOB_CHARACTERS)})",
                         hint="DuckDB reads shards with glob patterns: choose a path without those characters")
    if directory.suffix == ".duckdb" or (directory.exists() and not directory.is_dir()):
        raise StoreError(f"store {str(directory)!r} names a file; the Ray executor writes a shard directory",
                         hint="name a folder (for example runs/NAME.shards), or run with --executor local")
    if not directory.is_dir() or not any(directory.iterdir()):
        return
    found = read_marker(directory)
    if found.get("campaign") != campaign:
        raise StoreError(f"shard directory {str(directory)!r} holds campaign {found.get('campaign')!r}, "
                         f"not {campaign!r}", hint="write this campaign to its own store (`store:` or --store)")


def create(directory: Path, campaign: str) -> None:
    """Make the layout and the marker, unless they exist (checked by `check_for_campaign`)."""
    check_for_campaign(directory, campaign)
    if (directory / MARKER).exists():
        return
    try:
        for folder in ("campaign", "commits", "staging", "journal"):
            (directory / folder).mkdir(parents=True, exist_ok=True)
        write_commit(directory, {t: table_from_rows(t, []) for t in TABLES}, INITIAL_COMMIT)
        marker = {"format": FORMAT, "schema_version": SCHEMA_VERSION, "campaign": campaign}
        _replace(directory / MARKER, json.dumps(marker, indent=1).encode())
    except OSError as error:
        raise StoreError(f"cannot create shard directory {str(directory)!r}: {error.strerror} ({error.filename})",
                         hint="choose a store folder you can write to (`store:` or --store)") from None


def write_commit(directory: Path, tables: dict[str, Any], name: str | None = None) -> Path:
    """Write Arrow tables as one commit: staged, synced, then renamed into place in one step."""
    import pyarrow.parquet as pq

    name = name or f"{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:12]}"
    staging = directory / "staging" / name
    staging.mkdir(parents=True)
    for table, data in tables.items():
        path = staging / f"{table}.parquet"
        pq.write_table(data, str(path))
        _fsync(path)
    final = directory / "commits" / name
    os.rename(staging, final)
    _fsync(final.parent)
    return final


def write_campaign_table(directory: Path, table: str, rows: list[dict[str, Any]]) -> None:
    """Replace `campaign/TABLE.parquet` atomically (the driver is its only writer)."""
    import pyarrow.parquet as pq

    target = campaign_file(directory, table)
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.tmp")
    pq.write_table(table_from_rows(table, rows), str(tmp))
    _fsync(tmp)
    os.replace(tmp, target)


def read_campaign_table(directory: Path, table: str) -> list[dict[str, Any]]:
    import pyarrow.parquet as pq

    path = campaign_file(directory, table)
    return pq.read_table(str(path)).to_pylist() if path.exists() else []


def acquire_writer_lock(directory: Path, writer: str, *, wait_s: float) -> IO[str]:
    """Take `journal/WRITER.lock` (closing the handle releases it): one live writer per id, so that a journal is
    recovered only once its writer is dead. Waits up to `wait_s`: the actor of a killed driver may take a moment to
    be reaped."""
    handle = open(directory / "journal" / f"{writer}.lock", "a+")
    deadline = time.monotonic() + wait_s
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.monotonic() < deadline:
                time.sleep(0.2)
                continue
            handle.seek(0)
            owner = handle.read().strip() or "another process"
            handle.close()
            raise StoreError(f"store {str(directory)!r} is in use: its writer {writer!r} is held by {owner}",
                             hint="another run is writing this store: wait for it, or use another store") from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"pid {os.getpid()} on {os.uname().nodename}")
    handle.flush()
    return handle


def writer_ids(directory: Path) -> list[str]:
    """Every writer that ever journaled here (each has a lock file)."""
    return sorted(p.name[: -len(".lock")] for p in (directory / "journal").glob("*.lock"))


def clear_staging(directory: Path) -> None:
    """Commits a killed writer left half-written: never visible, safe to delete once no writer is alive."""
    import shutil

    for leftover in (directory / "staging").iterdir():
        shutil.rmtree(leftover, ignore_errors=True)


def _replace(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    _fsync(tmp)
    os.replace(tmp, path)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
