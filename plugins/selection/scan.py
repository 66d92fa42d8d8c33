"""`synthloom selection compare` over a pool file of any size, in two streamed passes.

Pass one reads the pool a chunk at a time and keeps, per streamed selector (token length, seeded random,
cross-entropy), only its best `budget` candidates in a heap: memory follows the budget, not the pool. Duplicates are
recognised by an 8-byte hash of each sample's normalised text, about 70 bytes a row in a set. ZIP and k-means
compare every sample with every other, so they keep what they need of each row (its repr, or its text for the
embedding) for the whole pool: use them on pools that fit in memory. Pass two reads the pool again and describes
only the picked rows (their lengths and diversity), and collects them for `--picks`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Awaitable, Callable, Iterator, Sequence

from synthloom import read_rows
from synthloom.plugins.selection import baselines
from synthloom.plugins.selection.compare import PickStats
from synthloom.plugins.selection.compression import zip_select
from synthloom.plugins.selection.parsing import _normal
from synthloom.plugins.selection.pool import PoolItem, pool_item

STREAMED = ("length", "random", "ce")
POOLED = ("zip", "kmeans")
SELECTORS = STREAMED + POOLED
CHUNK = 4096

CEFn = Callable[[Sequence[PoolItem]], Awaitable[list[float | None]]]


@dataclass(frozen=True)
class ScanOptions:
    budget: int
    seed: int = 0
    dedupe: bool = True
    lowest_ce: bool = False
    zip_k: tuple[int, int, int] = (10000, 200, 100)


@dataclass
class ScanResult:
    rows: int = 0
    duplicates: int = 0
    picks: dict[str, list[tuple[int, float | None]]] = field(default_factory=dict)


def pool_chunks(path: Path, size: int = CHUNK) -> Iterator[list[tuple[int, PoolItem, Any]]]:
    """(row index, sample, raw row) a chunk at a time; the first row that is not a sample stops the scan."""
    chunk: list[tuple[int, PoolItem, Any]] = []
    for index, row in enumerate(read_rows(path, objects=False)):
        chunk.append((index, pool_item(row), row.value))  # type: ignore[union-attr]
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def dedupe_key(item: PoolItem) -> int:
    text = f"{_normal(item.query)}\x00{_normal(item.response)}".encode()
    return int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "big")


async def scan(path: Path, selectors: Sequence[str], options: ScanOptions, *, tokenizer: Any = None,
               ce: CEFn | None = None, embed: Callable[[list[str]], Any] | None = None,
               progress: Callable[[int], None] | None = None) -> ScanResult:
    """Pass one: every selector's picks, best first, as (row index, score)."""
    result = ScanResult()
    best = {name: baselines.Best(options.budget) for name in selectors if name in STREAMED}
    seen: set[int] = set()
    kept: list[int] = []   # row indices the pooled selectors see, in order
    reprs: list[str] = []
    texts: list[str] = []
    for chunk in pool_chunks(path):
        result.rows += len(chunk)
        if options.dedupe:
            fresh = []
            for entry in chunk:
                key = dedupe_key(entry[1])
                if key in seen:
                    result.duplicates += 1
                else:
                    seen.add(key)
                    fresh.append(entry)
            chunk = fresh
        indices = [index for index, _, _ in chunk]
        items = [item for _, item, _ in chunk]
        if "length" in best:
            queries = baselines.nonzero_lengths(tokenizer, [i.query for i in items])
            responses = baselines.nonzero_lengths(tokenizer, [i.response for i in items])
            for index, q, r in zip(indices, queries, responses):
                best["length"].offer(q + r, index)
        if "random" in best:
            for index in indices:
                best["random"].offer(-baselines.random_key(options.seed, index), index)
        if "ce" in best and ce is not None:
            for index, value in zip(indices, await ce(items)):
                if value is not None:
                    best["ce"].offer(-value if options.lowest_ce else value, index)
        if "zip" in selectors or "kmeans" in selectors:
            kept += indices
            reprs += [repr(raw) for _, _, raw in chunk] if "zip" in selectors else []
            texts += [item.text() for item in items] if "kmeans" in selectors else []
        if progress is not None:
            progress(result.rows)
    for name, heap in best.items():
        sign = -1.0 if name == "random" or (name == "ce" and options.lowest_ce) else 1.0
        result.picks[name] = [(index, sign * score) for index, score in heap.ranked()]
    if "zip" in selectors:
        k1, k2, k3 = options.zip_k
        result.picks["zip"] = [(kept[i], None) for i in zip_select(reprs, options.budget, k1=k1, k2=k2, k3=k3)]
    if "kmeans" in selectors and embed is not None:
        picks = baselines.kmeans_centroid_picks(embed(texts), options.budget, options.seed)
        result.picks["kmeans"] = [(kept[i], None) for i in picks]
    return result


def describe(path: Path, picks: dict[str, list[tuple[int, float | None]]], *, tokenizer: Any = None,
             embed: Callable[[list[str]], Any] | None = None,
             keep_rows: bool = False) -> tuple[dict[str, PickStats], dict[str, list[dict[str, Any]]]]:
    """Pass two: statistics of each selector's picks (token lengths as pass one counts them, or words without a
    tokenizer), and, with `keep_rows`, the picked rows themselves with their rank and score, best first."""
    wanted: dict[int, list[tuple[str, int, float | None]]] = {}
    for name, chosen in picks.items():
        for rank, (index, score) in enumerate(chosen):
            wanted.setdefault(index, []).append((name, rank, score))
    stats = {name: PickStats() for name in picks}
    rows: dict[str, list[tuple[int, dict[str, Any]]]] = {name: [] for name in picks}
    for chunk in pool_chunks(path):
        hits = [(index, item, raw) for index, item, raw in chunk if index in wanted]
        if not hits:
            continue
        items = [item for _, item, _ in hits]
        query_n, response_n = _lengths(tokenizer, items)
        vectors = embed([item.text() for item in items]) if embed is not None else None
        for position, (index, item, raw) in enumerate(hits):
            for name, rank, score in wanted[index]:
                stats[name].add(query_n[position] + response_n[position], response_n[position], item.response)
                if vectors is not None:
                    stats[name].add_vectors(vectors[position:position + 1])
                if keep_rows:
                    rows[name].append((rank, {"index": index, "rank": rank, "score": score, "row": raw}))
    ordered = {name: [row for _, row in sorted(found, key=lambda pair: pair[0])] for name, found in rows.items()}
    return stats, ordered


def _lengths(tokenizer: Any, items: Sequence[PoolItem]) -> tuple[list[int], list[int]]:
    if tokenizer is None:
        return [len(i.query.split()) for i in items], [len(i.response.split()) for i in items]
    return (baselines.nonzero_lengths(tokenizer, [i.query for i in items]),
            baselines.nonzero_lengths(tokenizer, [i.response for i in items]))
