"""Opening a store file, for a short write or a read-only query, waiting out the other process's lock.

Concurrency rule (DuckDB allows one read-write process or several read-only ones, never both): the campaign's
writer opens the file only for the duration of a flush and closes it again, so that other processes (`synthloom
sql`, `synthloom view`) can open it read-only in between. Readers and the writer both retry briefly when they find
the file locked. A second campaign writing the same store is refused by a lock file held for the whole run (see
`writer`), so two writers never interleave.
"""

from __future__ import annotations

import atexit
import contextlib
import itertools
import os
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterator, TypeVar

from synthloom.errors import StoreError
from synthloom.store.image_files import expose

T = TypeVar("T")

_PATH_LOCKS: dict[str, threading.RLock] = {}
_PATH_LOCKS_GUARD = threading.Lock()


def path_lock(path: str | Path) -> threading.RLock:
    """One lock per store file in this process. DuckDB 2.0 fails (`python_arrow_scan does not exist`) when two threads
    of one process connect to the same file and register tables at once, and a file is attached once and detached by
    the last user, so every connection a process opens to a store (the writer's flushes, a resumed agent's backlog,
    the cache, a report) is held under this lock."""
    key = os.path.realpath(path)
    with _PATH_LOCKS_GUARD:
        return _PATH_LOCKS.setdefault(key, threading.RLock())


@contextlib.contextmanager
def opened(path: str | Path, *, read_only: bool, wait_s: float = 30.0, scan: bool = False) -> Iterator[Any]:
    """A connection for the duration of a `with` block, under the file's lock; the file is released afterwards so
    that other processes can open it in between.

    The file is attached to this process's one in-memory DuckDB (`_hub`) and detached again: a new DuckDB instance
    costs about 45 ms to start, and the writer opens the store at every flush. `scan` is for reads of much of the
    store (what a resumed run reads at its start): they get an instance of their own, closed afterwards, because the
    shared one keeps the memory its scans and joins used (a resumed run of 300k items: 340 against 210 MiB). Not for a
    store under `OWN_INSTANCE_BYTES`, whose scans cost little memory: a new campaign's store is one, and an instance
    costs about 40 ms to start, twice at every campaign's start."""
    path = _existing(Path(path), read_only)
    with path_lock(path):
        own_instance = scan and os.path.realpath(path) not in _ATTACHED and _larger_than(path, OWN_INSTANCE_BYTES)
        if path.is_dir() or own_instance:
            con = connect(path, read_only=read_only, wait_s=wait_s)
            try:
                yield con
            finally:
                con.close()
            return
        hub = _hub()
        key = os.path.realpath(path)
        attached = _ATTACHED.get(key)
        if attached is None:
            alias = _wait_unlocked(path, wait_s, lambda: _attach_to_hub(path, read_only))
            _ATTACHED[key] = attached = [alias, read_only, 0]
        elif attached[1] and not read_only:
            raise StoreError(f"store {str(path)!r} is open read-only in this thread and cannot be written inside it",
                             hint="close the read-only connection first")
        attached[2] += 1
        con = hub.cursor()
        try:
            con.execute(f"USE {attached[0]}")
            expose(con, path, _image_tables(con))
            yield con
        finally:
            con.close()
            attached[2] -= 1
            if attached[2] == 0:
                del _ATTACHED[key]
                detaching = hub.cursor()
                try:
                    detaching.execute(f"DETACH {attached[0]}")
                finally:
                    detaching.close()


OWN_INSTANCE_BYTES = 32 * 1024 * 1024


def _larger_than(path: Path, size: int) -> bool:
    try:
        return path.stat().st_size > size
    except FileNotFoundError:
        return False


# realpath -> [alias, read_only, depth]: a thread that opens a store again inside `opened` reuses its attachment
_ATTACHED: dict[str, list[Any]] = {}
_HUB: list[Any] = []  # [pid, connection]: a forked child starts its own
_ALIASES = itertools.count()


def _hub() -> Any:
    import duckdb

    with _PATH_LOCKS_GUARD:
        if not _HUB or _HUB[0] != os.getpid():
            _HUB[:] = [os.getpid(), duckdb.connect()]
            _ATTACHED.clear()  # what the parent had attached is the parent's
            atexit.register(_HUB[1].close)
        return _HUB[1]


def _attach_to_hub(path: Path, read_only: bool) -> str:
    alias = f"store_{next(_ALIASES)}"
    con = _hub().cursor()
    try:
        con.execute(f"ATTACH {_literal(path)} AS {alias} ({_attach_options(read_only)})")
    finally:
        con.close()
    return alias


LOCK_MARKERS = ("lock", "Conflicting lock", "being used by another process", "Could not set lock")


def _is_lock_error(error: Exception) -> bool:
    return any(marker in str(error) for marker in LOCK_MARKERS)


def connect(path: str | Path, *, read_only: bool, wait_s: float = 30.0) -> Any:
    """Open the store, waiting while another process holds DuckDB's file lock; errors say what to do.

    A directory is a Ray run's shard directory: it opens as an in-memory database whose tables are views over its
    Parquet files (`shard_views`), so every reader queries both kinds of store alike."""
    import duckdb

    path = _existing(Path(path), read_only)
    if path.is_dir():
        from synthloom.store.shard_views import open_views

        return open_views(path)
    return _wait_unlocked(path, wait_s, lambda: _own_connection(duckdb, path, read_only))


def _existing(path: Path, read_only: bool) -> Path:
    if read_only and not path.exists():
        raise StoreError(f"store {str(path)!r} does not exist", hint="run a campaign first, or check --store")
    return path


def _wait_unlocked(path: Path, wait_s: float, attempt: Callable[[], T]) -> T:
    """`attempt()`, again while another process holds DuckDB's file lock, up to `wait_s`."""
    import duckdb

    deadline = time.monotonic() + wait_s
    delay = 0.02
    while True:
        try:
            return attempt()
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


ROW_GROUP_SIZE = 4_096
"""DuckDB's default is 122,880 rows. Each flush closes the file, and closing checkpoints: the last, partly filled row
group of every table is compressed again. With a small group that costs a tenth of the time and of the memory (a
simulated run of 560k messages and 280k calls: slowest close 0.43 s instead of 2.2 s, peak RSS 251 instead of 363 MiB
at 122,880 rows). 4,096 rather than 16,384: a replay campaign of 100k items peaked at 190 instead of 229 MiB, the
checkpoint's share (RSS after a flush less RSS after its inserts) falling from about 45 to 10 MiB; 2,048, DuckDB's
least, saved 10 MiB more for twice the row groups."""


def _own_connection(duckdb: Any, path: Path, read_only: bool) -> Any:
    """A DuckDB instance of its own with the store attached as its default database."""
    con = duckdb.connect()
    try:
        con.execute(f"ATTACH {_literal(path)} AS store ({_attach_options(read_only)})")
        con.execute("USE store")
        expose(con, path, _image_tables(con))
    except BaseException:
        con.close()
        raise
    return con


def _literal(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _attach_options(read_only: bool) -> str:
    """ATTACH is where DuckDB takes the row group size, which is not stored in the file."""
    return "READ_ONLY" if read_only else f"ROW_GROUP_SIZE {ROW_GROUP_SIZE}"


def _image_tables(con: Any) -> set[str]:
    return {row[0] for row in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
        "AND table_name IN ('images', 'blobs')").fetchall()}


def reading(path: str | Path, wait_s: float = 30.0) -> contextlib.AbstractContextManager[Any]:
    """A read-only connection, closed afterwards so that a running campaign can flush again."""
    return opened(path, read_only=True, wait_s=wait_s)


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
