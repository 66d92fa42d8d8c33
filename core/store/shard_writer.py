"""One writer of a shard directory (the driver, or one agent actor): buffers rows and commits them as Parquet.

It is the campaign's `StoreWriter` with another destination: the buffering, the call journal, the response cache,
`add_model_calls`, `add_sandbox_run`, `cached_responses` and the flush thread are inherited, so `ModelClient`,
`SandboxClient` and the scheduler run unchanged on Ray. What differs is where a flush goes (one commit, see
`shards`, instead of a DuckDB transaction), and `wait_durable`, which lets an actor hold a batch's reply until its
outputs and handled markers are committed, so that the driver routes only durable messages.

A writer replays its own journal when it starts. An actor that Ray restarts after its process died keeps its
writer id (`AGENT.INDEX`), so the replies the dead process was paid for answer the batch it is redoing.
"""

from __future__ import annotations

import contextlib
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any

from synthloom.messages import Message
from synthloom.store import shards
from synthloom.store.call_cache import CallCache, reusable
from synthloom.store.journal import CallJournal
from synthloom.store.writer import StoreWriter


def utc_now() -> datetime:
    """Naive UTC, as both kinds of store keep timestamps."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _naive(moment: datetime) -> datetime:
    return moment.astimezone(timezone.utc).replace(tzinfo=None) if moment.tzinfo else moment


class ShardWriter(StoreWriter):
    def __init__(self, directory: str | Path, campaign: str, writer_id: str, *, lock: IO[str] | None = None,
                 lock_wait_s: float = 60.0, flush_interval_s: float = 0.5, sync_interval_s: float = 0.5,
                 max_buffered: int = 20000) -> None:
        # Not StoreWriter.__init__, which opens a DuckDB file under its lock: this sets the state its inherited
        # methods use, over a shard directory and a per-writer lock.
        self.path = self.directory = Path(directory)
        self.campaign = campaign
        self.writer_id = writer_id
        self.flush_interval_s = flush_interval_s
        self.sync_interval_s = sync_interval_s
        self.max_buffered = max_buffered
        self.rows_written = 0
        self._lock_file = lock or shards.acquire_writer_lock(self.directory, writer_id, wait_s=lock_wait_s)
        self._buffers: dict[str, list[Any]] = {table: [] for table in shards.TABLES}
        self._mutex = threading.Lock()
        self._drained = threading.Condition(self._mutex)  # the inherited flush thread signals on it
        self._flush_lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None
        self._cache = CallCache()
        self._sealed: list[Path] = []
        self._committed = threading.Condition()
        self._taken = 0  # flushes that took the buffers: rows added now go into flush number _taken + 1
        self._done = 0  # the last flush committed
        try:
            self._journal = CallJournal(journal_base(self.directory, writer_id))
            recover_journal(self.directory, self._journal)
            with self.connection() as con:
                self._cache.load(con)
        except BaseException:
            self._lock_file.close()
            raise

    def connection(self, scan: bool = False) -> contextlib.closing[Any]:  # type: ignore[override]
        """A read connection over the whole directory (every writer's commits), closed after the block: always an
        in-memory DuckDB of its own, so `scan` changes nothing."""
        from synthloom.store.shard_views import open_views

        return contextlib.closing(open_views(self.directory))

    def add_outputs(self, agent: str, input_ids: list[str], outputs: list[Message]) -> int:  # type: ignore[override]
        """Outputs and the markers that their inputs are handled, committed together; returns the ticket for
        `wait_durable`."""
        messages = [{"id": m.id, "campaign": m.campaign, "kind": m.kind, "agent": m.agent, "parents": m.parents,
                     "created_at": _naive(m.created_at), "payload": m.payload_json()} for m in outputs]
        images = [{"sha256": image.sha256, "mime": image.mime, "data": image.data}
                  for m in outputs for image in m.images() if image.data is not None]
        with self._mutex:
            self._buffers["messages"] += messages
            self._buffers["blobs"] += images
            self._buffers["handled"] += [{"campaign": self.campaign, "agent": agent, "input_id": i}
                                         for i in input_ids]
            ticket = self._taken + 1
            full = sum(len(rows) for rows in self._buffers.values()) >= self.max_buffered
        if full:
            self._wake.set()
        return ticket

    def flush(self) -> int:
        """Commit everything buffered so far as one commit; the number of rows."""
        with self._flush_lock:
            with self._mutex:
                taken, self._buffers = self._buffers, {table: [] for table in shards.TABLES}
                segment = self._journal.seal()
                self._taken += 1
                generation = self._taken
            if segment is not None:
                self._sealed.append(segment)
            count = sum(len(rows) for rows in taken.values())
            if count:
                try:
                    shards.write_commit(self.directory, {table: shards.table_from_rows(table, rows)
                                                         for table, rows in taken.items() if rows})
                except BaseException:
                    with self._mutex:
                        for table, rows in taken.items():
                            self._buffers[table][:0] = rows
                    raise
            self._journal.release(self._sealed)
            self._sealed = []
            with self._mutex:
                self._cache.committed(row["request_hash"] for row in taken["model_calls"] if reusable(row))
            self.rows_written += count
            with self._committed:
                self._done = generation
                self._committed.notify_all()
            return count

    def wait_durable(self, ticket: int) -> None:
        """Block until the rows added before `ticket` was issued are committed."""
        if self._thread is None:
            if self._done < ticket:
                self.flush()
            return
        self._wake.set()
        with self._committed:
            while self._done < ticket:
                self.check()
                self._committed.wait(0.2)


def journal_base(directory: Path, writer_id: str) -> Path:
    """The journal of `writer_id` is `journal/WRITER.journal` (and its sealed segments)."""
    return directory / "journal" / writer_id


def recover_journal(directory: Path, journal: CallJournal) -> int:
    """Commit the calls a killed writer journaled but never committed (skipping those it did commit before it
    died), then forget its segments; how many were recovered."""
    leftovers = journal.leftovers()
    rows = [row for segment in leftovers for row in CallJournal.read(segment)]
    fresh = _not_committed(directory, rows)
    if fresh:
        shards.write_commit(directory, {"model_calls": shards.table_from_rows("model_calls", fresh)})
    journal.release(leftovers)
    return len(fresh)


def _not_committed(directory: Path, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if not rows:
        return []
    from synthloom.store.shard_views import open_views

    with contextlib.closing(open_views(directory)) as con:
        known = set(con.execute("SELECT agent, request_hash, created_at FROM model_calls WHERE request_hash IN "
                                "(SELECT unnest(?))", [sorted({r["request_hash"] for r in rows})]).fetchall())
    return [r for r in rows if (r["agent"], r["request_hash"], r["created_at"]) not in known]


def recover_journals(directory: Path, *, skip: set[str], wait_s: float) -> int:
    """Recover every writer's journal but those in `skip`, waiting for writers still alive (the actors of a killed
    driver) to be reaped; how many calls were recovered."""
    recovered = 0
    for writer_id in (w for w in shards.writer_ids(directory) if w not in skip):
        lock = shards.acquire_writer_lock(directory, writer_id, wait_s=wait_s)
        try:
            journal = CallJournal(journal_base(directory, writer_id))
            recovered += recover_journal(directory, journal)
            journal.close()
        finally:
            lock.close()
    return recovered

