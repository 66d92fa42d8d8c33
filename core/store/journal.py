"""A write-ahead journal of model calls: a reply is on disk the moment it arrives, before anyone uses it.

The store writer commits rows to DuckDB in batches (opening the file costs milliseconds, so per-row commits would
cap a campaign at a few hundred calls a second). Between two flushes, replies live only in memory; a SIGKILL there
would lose replies already paid for, and the resumed run would pay for them again. So every model call is also
appended, as one JSON line, to the journal file beside the store (a batch's calls in one `write` system call),
before the agent sees the reply: the operating system keeps it whatever happens to the process. The writer thread
`fsync`s the journal at each flush interval, which bounds what a power loss can cost to that interval.

At each flush the current journal segment is sealed (renamed) and a new one started; once the flush committed, the
sealed segment is deleted. When a store is opened, segments left by a killed run are replayed into `model_calls`
(rows already committed are recognised and skipped), so the response cache holds every reply that was paid for.
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any

from synthloom.compact_json import compact_encoder

SEALED = ".sealed-"


class CallJournal:
    def __init__(self, store: Path) -> None:
        self.path = store.with_name(store.name + ".journal")
        self._sealed = 0
        self._fd = self._open()

    def _open(self) -> int:
        return os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)

    def append(self, rows: list[dict[str, Any]]) -> None:
        """A batch of calls, one line each, in one write: a torn line can only be the last one, and is skipped on
        replay."""
        if rows:
            lines = "".join(_ENCODE(row) + "\n" for row in rows)
            os.write(self._fd, lines.encode("utf-8", "surrogatepass"))

    def sync(self) -> None:
        os.fsync(self._fd)

    def seal(self) -> Path | None:
        """Close the current segment for a flush and start a new one; None when it holds nothing."""
        if os.fstat(self._fd).st_size == 0:
            return None
        os.close(self._fd)
        self._sealed += 1
        sealed = self.path.with_name(f"{self.path.name}{SEALED}{os.getpid()}-{self._sealed}")
        os.replace(self.path, sealed)
        self._fd = self._open()
        return sealed

    def release(self, segments: list[Path]) -> None:
        """Forget segments whose rows are committed: sealed ones are deleted, the current one emptied."""
        for segment in segments:
            if segment == self.path:
                os.ftruncate(self._fd, 0)
            else:
                segment.unlink(missing_ok=True)

    def close(self) -> None:
        """After the last flush: nothing is left to replay, so the file goes."""
        empty = os.fstat(self._fd).st_size == 0
        os.close(self._fd)
        if empty:
            self.path.unlink(missing_ok=True)

    def leftovers(self) -> list[Path]:
        """Segments a previous run left behind (it was killed before it could flush them), oldest first."""
        found = sorted(self.path.parent.glob(self.path.name + SEALED + "*"), key=lambda p: p.stat().st_mtime)
        return found + ([self.path] if self.path.exists() and self.path.stat().st_size else [])

    @staticmethod
    def read(segment: Path) -> list[dict[str, Any]]:
        rows = []
        for line in segment.read_bytes().split(b"\n"):
            try:
                row = json.loads(line)
            except ValueError:  # the torn last line of a killed write, or the empty tail
                continue
            row["created_at"] = datetime.fromisoformat(row["created_at"])
            rows.append(row)
        return rows


def _encode(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot journal {type(value).__name__}")


_ENCODE = compact_encoder(default=_encode)
