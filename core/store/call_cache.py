"""Which requests already have a reply, in memory that does not grow with the campaign.

The response cache is what makes a resumed campaign free: a request whose reply is stored is answered from the
store. Holding every reply in memory would cost gigabytes at a million calls, so this keeps the replies of this run
only until they are committed, and of everything committed only an 8-byte prefix of the request hash, in a sorted
array. A prefix that matches sends the full hashes to the store, which returns the replies (a prefix that matches
by chance returns nothing and costs one query).
"""

from __future__ import annotations

from typing import Any, Callable, Iterable

import numpy as np

MERGE_EVERY = 65_536  # committed keys kept in a set before they are merged into the sorted array


PREFIX_SQL = "('0x' || left(request_hash, 16))::UBIGINT"  # `prefix` in SQL


def prefix(key: str) -> int:
    return int(key[:16], 16)


class CallCache:
    def __init__(self) -> None:
        self._pending: dict[str, str] = {}
        self._known = np.empty(0, dtype=np.uint64)
        self._recent: set[int] = set()

    def load(self, con: Any) -> None:
        """The prefixes of every reusable reply in the store, computed by the database: reading millions of hashes
        as Python strings took seconds and hundreds of MB on resume."""
        found = con.execute(f"SELECT DISTINCT {PREFIX_SQL} AS p FROM model_calls WHERE error IS NULL AND NOT cached")
        self._known = np.sort(found.fetchnumpy()["p"].astype(np.uint64))

    def add(self, key: str, response: str) -> None:
        self._pending.setdefault(key, response)

    def committed(self, keys: Iterable[str]) -> None:
        """These replies are in the store now: keep only their prefixes."""
        for key in keys:
            if self._pending.pop(key, None) is not None:
                self._recent.add(prefix(key))
        if len(self._recent) >= MERGE_EVERY:
            # sorted in place: the array and one copy at a time (union1d held four, 64 MB at a million calls); a
            # prefix held twice costs a slot, never a wrong answer
            merged = np.concatenate([self._known, np.fromiter(self._recent, dtype=np.uint64, count=len(self._recent))])
            merged.sort()
            self._known = merged
            self._recent.clear()

    def lookup(self, keys: list[str], fetch: Callable[[list[str]], dict[str, str]]) -> dict[str, str]:
        """The stored reply of each key that has one; `fetch(keys)` reads candidates from the store."""
        found = {k: self._pending[k] for k in keys if k in self._pending}
        rest = [k for k in keys if k not in found]
        candidates = [k for k, maybe in zip(rest, self._maybe([prefix(k) for k in rest])) if maybe]
        if candidates:
            found.update(fetch(candidates))
        return found

    def _maybe(self, values: list[int]) -> list[bool]:
        """Whether each prefix may be stored, in one search for the batch: NumPy lets go of the GIL in each call,
        and one call per key let the writer's thread take it for milliseconds at a time."""
        if not values:
            return []
        wanted = np.fromiter(values, dtype=np.uint64, count=len(values))
        index = np.minimum(np.searchsorted(self._known, wanted), max(len(self._known) - 1, 0))
        stored = (self._known[index] == wanted) if len(self._known) else np.zeros(len(values), dtype=bool)
        return [hit or value in self._recent for hit, value in zip(stored.tolist(), values)]

    def __len__(self) -> int:
        return len(self._known) + len(self._recent) + len(self._pending)


def reusable(row: dict[str, Any]) -> bool:
    """A fresh, successful reply can answer the same request later; a cached or failed one cannot."""
    return not row["cached"] and row["error"] is None
