"""The one writer of a campaign's store: buffers rows in memory and appends them in batches of NumPy columns.

Model calls are also journaled the moment they return (see `journal`), so that a reply paid for survives a kill
that comes before the next flush.

An agent's outputs and the marker that it handled their inputs are buffered together and committed in the same
transaction. That, with deterministic message ids, is the resume guarantee: after a crash, an input is either
handled with all its outputs stored, or not handled and replayed, never half of each. It is also why `messages`
and `handled` need no primary key: a message is written once by construction (a source re-running a round the kill
cut short leaves out the ids already stored), and a key's index would hold every id of the campaign in memory
(DuckDB keeps ART indexes in RAM, outside its memory limit: about 120 bytes a row).
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from synthloom.errors import StoreError
from synthloom.messages import Message
from synthloom.store.call_cache import CallCache, reusable
from synthloom.store.connection import opened
from synthloom.store.image_files import ImageFiles
from synthloom.store.journal import CallJournal
from synthloom.store.schema import init_schema

TABLES = ("messages", "handled", "model_calls", "sandbox_runs", "images")
BACKPRESSURE = 3  # agents wait while this many times `max_buffered` rows are buffered


class StoreWriter:
    def __init__(self, path: str | Path, campaign: str, *, flush_interval_s: float = 2.0, sync_interval_s: float = 0.5,
                 max_buffered: int = 20000) -> None:
        self.path = Path(path)
        self.campaign = campaign
        self.flush_interval_s = flush_interval_s
        self.sync_interval_s = sync_interval_s
        self.max_buffered = max_buffered
        self._lock_file = self._acquire_lock()
        self._buffers: dict[str, list[Any]] = {t: [] for t in TABLES}
        self.images = ImageFiles(self.path)
        # The images this run has stored: a message hands its image on to the messages made from it (the backends
        # need the bytes), and each would otherwise be written and recorded again. About 120 bytes an image.
        self._images_seen: set[str] = set()
        self._mutex = threading.Lock()
        self._drained = threading.Condition(self._mutex)
        self._flush_lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._error: BaseException | None = None
        self._cache = CallCache()
        self._thread: threading.Thread | None = None
        self._sealed: list[Path] = []
        self.rows_written = 0
        self._journal = CallJournal(self.path)
        with self.connection(scan=True) as con:
            init_schema(con, self.path)
            self._recover(con)
            self._cache.load(con)

    def _recover(self, con: Any) -> None:
        """Replies a killed run journaled but never committed go into `model_calls`, so they are never paid twice."""
        leftovers = self._journal.leftovers()
        rows = [row for segment in leftovers for row in CallJournal.read(segment)]
        if rows:
            _insert_dicts(con, "model_calls", rows, tail="WHERE NOT EXISTS (SELECT 1 FROM model_calls m WHERE "
                         "m.campaign = new.campaign AND m.agent = new.agent AND m.request_hash = new.request_hash "
                         "AND m.created_at = new.created_at)")
        self._journal.release(leftovers)

    def _acquire_lock(self) -> Any:
        lock_path = self.path.with_name(self.path.name + ".lock")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle = open(lock_path, "a+")
        except OSError as error:
            raise StoreError(f"cannot write store {str(self.path)!r}: {error.strerror} ({error.filename})",
                             hint="choose a store path in a folder you can write to (`store:` in the campaign "
                                  "file, or --store)") from None
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            owner = handle.read().strip() or "another process"
            handle.close()
            raise StoreError(f"store {str(self.path)!r} is in use by a running campaign ({owner})",
                             hint="wait for that run to finish, or write to another store") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}")
        handle.flush()
        return handle

    def connection(self, scan: bool = False) -> Any:
        """A short-lived read-write connection (see the concurrency rule in synthloom.store.connection); `scan` for
        reads of much of the store."""
        return opened(self.path, read_only=False, scan=scan)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="synthloom-store-writer", daemon=True)
        self._thread.start()

    # -- what the runtime and the context append -------------------------------------------------------------

    def add_outputs(self, agent: str, input_ids: list[str], outputs: list[Message]) -> None:
        """An agent's outputs for some inputs, and the marker that those inputs are handled, as one unit."""
        rows = [(m.id, m.campaign, m.kind, m.agent, m.parents, m.created_at, m.payload_json())
                for m in outputs]
        # An image's file is written before any message that refers to it is committed, and is never held here.
        images = [img for m in outputs for img in m.images() if img.data is not None
                  and img.sha256 not in self._images_seen]
        for image in images:
            self.images.put(image.sha256, image.data)  # type: ignore[arg-type]
        handled = [(self.campaign, agent, input_id) for input_id in input_ids]
        with self._mutex:
            self._buffers["messages"].extend(rows)
            for image in images:
                if image.sha256 not in self._images_seen:
                    self._images_seen.add(image.sha256)
                    self._buffers["images"].append((image.sha256, image.mime, len(image.data)))  # type: ignore[arg-type]
            self._buffers["handled"].extend(handled)
            if self._pending() >= self.max_buffered:
                self._wake.set()
            # Backpressure: while a slow flush runs (a checkpoint can take seconds on a busy machine), agents wait
            # here rather than pile up rows, so memory holds at most the flush's rows and this many more.
            while (self._pending() >= BACKPRESSURE * self.max_buffered and self._error is None
                   and self._thread is not None and self._thread.is_alive()):
                self._drained.wait(timeout=1.0)

    def _pending(self) -> int:
        return sum(len(b) for b in self._buffers.values())

    def add_model_calls(self, rows: list[dict[str, Any]]) -> None:
        """Calls, journalled before anyone sees their replies; replies served from the cache are not journalled,
        since they are already stored."""
        now = _utc_naive(datetime.now(timezone.utc))
        rows = [{"campaign": self.campaign, **row, "created_at": now} for row in rows]
        with self._mutex:
            self._journal.append([row for row in rows if not row["cached"]])
            self._buffers["model_calls"].extend(rows)
            for row in rows:
                if reusable(row):
                    self._cache.add(row["request_hash"], row["response"])

    def add_sandbox_run(self, row: dict[str, Any]) -> None:
        row = {"campaign": self.campaign, **row, "created_at": _utc_naive(datetime.now(timezone.utc))}
        row["inputs"] = json.dumps(row["inputs"], default=str)
        row["outcomes"] = json.dumps(row["outcomes"], default=str)
        with self._mutex:
            self._buffers["sandbox_runs"].append(row)

    def cached_responses(self, keys: list[str]) -> dict[str, str]:
        """The stored reply of each request hash that has one (this run's, or any committed before)."""
        with self._mutex:
            return self._cache.lookup(keys, self._fetch_replies)

    def _fetch_replies(self, keys: list[str]) -> dict[str, str]:
        with self.connection() as con:
            return dict(con.execute("SELECT request_hash, any_value(response) FROM model_calls WHERE request_hash IN "
                                    "(SELECT unnest(?)) AND error IS NULL AND NOT cached GROUP BY 1", [keys]).fetchall())

    # -- flushing ------------------------------------------------------------------------------------------

    def _run(self) -> None:
        """Syncs the journal often (what a power loss can cost) and flushes rarely: each flush closes the file, and
        DuckDB checkpoints on close, which costs more than the rows themselves."""
        last_flush = time.monotonic()
        while not self._stop.is_set():
            woken = self._wake.wait(self.sync_interval_s)
            self._wake.clear()
            try:
                self._journal.sync()
                if woken or time.monotonic() - last_flush >= self.flush_interval_s:
                    self.flush()
                    last_flush = time.monotonic()
            except BaseException as error:  # surfaced to the runtime by check(); the thread must not die silently
                self._error = error
                with self._mutex:
                    self._drained.notify_all()
                return

    def check(self) -> None:
        if self._error is not None:
            raise StoreError(f"writing the store failed: {self._error}") from self._error

    def flush(self) -> int:
        with self._flush_lock:
            with self._mutex:
                taken = self._buffers
                self._buffers = {t: [] for t in TABLES}
                self._drained.notify_all()
                sealed = self._journal.seal()
                if sealed is not None:
                    self._sealed.append(sealed)
            count = sum(len(rows) for rows in taken.values())
            if not count:
                return 0
            try:
                with self.connection() as con:
                    # one DuckDB thread: the agents keep the other cores, and the checkpoint on close compresses one
                    # row group at a time (300k replay items: peak RSS 350 instead of 377 MiB)
                    con.execute("SET threads = 1")
                    try:
                        _write(con, taken)
                        con.execute("CHECKPOINT")  # here, on one thread, rather than when the file is detached
                    finally:
                        con.execute("RESET threads")  # the setting is the process's DuckDB's, not this file's
            except BaseException:  # the rows go back to the buffers; their journal segments stay until committed
                with self._mutex:
                    for table, rows in taken.items():
                        self._buffers[table][:0] = rows
                raise
            self._journal.release(self._sealed)
            self._sealed = []
            with self._mutex:
                self._cache.committed(row["request_hash"] for row in taken["model_calls"] if reusable(row))
            self.rows_written += count
            return count

    def close(self, last: Callable[[Any], None] | None = None) -> None:
        """The last flush; `last(connection)` then runs in the same attachment of the file (a campaign records how
        it ended), rather than in one of its own that would checkpoint and detach the file once more."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join()
        try:
            with self.connection() as con:  # the flush's own open shares this one
                self.flush()
                if last is not None:
                    last(con)
            self._journal.close()
        finally:
            self._lock_file.close()
        self.check()


def _utc_naive(moment: datetime) -> datetime:
    """The store keeps UTC as naive TIMESTAMP: TIMESTAMPTZ values need pytz on every reader."""
    return moment.astimezone(timezone.utc).replace(tzinfo=None) if moment.tzinfo else moment


def _write(con: Any, taken: dict[str, list[Any]]) -> None:
    """Append every buffered row in one transaction, one scan of NumPy columns per table."""
    con.execute("BEGIN")
    try:
        if taken["messages"]:
            columns = list(zip(*taken["messages"]))
            columns[5] = [_utc_naive(moment) for moment in columns[5]]
            _insert(con, "messages", ("id", "campaign", "kind", "agent", "parents", "created_at", "payload"), columns,
                    select="id, campaign, kind, agent, parents, created_at, payload::JSON")
        if taken["handled"]:
            _insert(con, "handled", ("campaign", "agent", "input_id"), list(zip(*taken["handled"])))
        if taken["images"]:
            _insert(con, "images", ("sha256", "mime", "size"), list(zip(*taken["images"])),
                    tail="ON CONFLICT DO NOTHING")
        for name in ("model_calls", "sandbox_runs"):
            if taken[name]:
                _insert_dicts(con, name, taken[name])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def _insert_dicts(con: Any, table: str, rows: list[dict[str, Any]], tail: str = "") -> None:
    names = tuple(rows[0])
    _insert(con, table, names, [[row.get(name) for row in rows] for name in names], tail=tail)


def _insert(con: Any, table: str, names: tuple[str, ...], columns: list[Any], *, select: str | None = None,
            tail: str = "") -> None:
    """INSERT the columns (Python values, one sequence per name; the rows are `new` in `tail`) through NumPy object
    arrays. Not Arrow: pyarrow imports pandas the first time it converts a Python list, 0.6 s of every campaign's
    first flush."""
    import numpy as np

    con.register("_batch", {name: np.fromiter(column, dtype=object, count=len(column))
                            for name, column in zip(names, columns)})
    try:
        listed = ", ".join(names)
        con.execute(f"INSERT INTO {table} ({listed}) SELECT {select or listed} FROM _batch AS new {tail}")
    finally:
        con.unregister("_batch")
