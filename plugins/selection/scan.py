"""`synthloom selection compare` over a pool file of any size, in two passes.

Pass one reads every row once and keeps, per row, what the cheap selectors and the report need: an 8-byte hash of
the sample's normalised text (duplicates share it), its query and response token counts, and, for pass two, the
byte offset of its line: about 24 bytes a row in numpy arrays. A JSONL pool is cut into byte ranges of whole lines
that worker processes read at the same time (each loads only the tokenizer, from a file); their arrays are joined in
file order. The first occurrence of each hash is kept (`np.unique`), and token length and seeded random take their
`budget` best rows from the arrays, ties to the later row as `baselines.Best` breaks them. A bad row in a range is
reported as the same located error (file and line) a one-process read raises.

Cross-entropy, ZIP and k-means need more than the arrays (a model call per row; every row's repr or text for the
whole pool), and `.json` and `.parquet` pools are read whole by the core reader anyway, so those scans run in this
process, one chunk of rows at a time, with the same arrays kept for length and random. Pass two reads only the
picked rows (by offset when the pool is JSONL) and describes them (their lengths and diversity), and collects them
for `--picks`.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Awaitable, Callable, Iterator, Sequence

import numpy as np

from synthloom import Row, RowError, read_rows
from synthloom.plugins.selection import baselines
from synthloom.plugins.selection.compare import PickStats
from synthloom.plugins.selection.compression import zip_select
from synthloom.plugins.selection.pool import ASSISTANT_ROLES, HUMAN_ROLES, HUMAN_TURN, PoolItem, pool_item

STREAMED = ("length", "random", "ce")
POOLED = ("zip", "kmeans")
SELECTORS = STREAMED + POOLED
IN_PROCESS = ("ce", "zip", "kmeans")  # selectors that need more than the per-row arrays
CHUNK = 4096
RANGE_BYTES = 8 << 20  # a worker's unit of work: ~30,000 ShareGPT rows of a few hundred bytes

CEFn = Callable[[Sequence[PoolItem]], Awaitable[list[float | None]]]


@dataclass(frozen=True)
class ScanOptions:
    budget: int
    seed: int = 0
    dedupe: bool = True
    lowest_ce: bool = False
    zip_k: tuple[int, int, int] = (10000, 200, 100)
    workers: int | None = None  # processes reading a JSONL pool (None: one per CPU)
    range_bytes: int = RANGE_BYTES


@dataclass
class PoolFacts:
    """Per row of the pool, in file order: the dedupe hash, the query and response lengths (tokens as
    `baselines.nonzero_lengths` counts them, or words without a tokenizer), and the byte offset of its line (JSONL
    read by ranges; None otherwise)."""

    keys: np.ndarray
    query: np.ndarray
    response: np.ndarray
    offsets: np.ndarray | None = None


@dataclass
class ScanResult:
    rows: int = 0
    duplicates: int = 0
    picks: dict[str, list[tuple[int, float | None]]] = field(default_factory=dict)
    facts: PoolFacts | None = None


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


def _key(item: PoolItem) -> bytes:
    """The 8-byte hash of the sample's text with white space runs made one space, stripped and case-folded:
    `parsing._normal`, written with str.split, which splits on the same white space as its regex, 3 times faster."""
    query, response = " ".join(item.query.split()).casefold(), " ".join(item.response.split()).casefold()
    return hashlib.blake2b(f"{query}\x00{response}".encode(), digest_size=8).digest()


def sample(value: Any, where: str = "") -> PoolItem:
    """`pool_item(Row(where, value))`, with a shortcut for the common row (one human turn, one assistant turn)."""
    if type(value) is dict:
        turns = value.get("conversations")
        if type(turns) is list and len(turns) == 2 and type(turns[0]) is dict and type(turns[1]) is dict:
            query, response = turns[0].get("value"), turns[1].get("value")
            if turns[0].get("from") in HUMAN_ROLES and turns[1].get("from") in ASSISTANT_ROLES \
                    and type(query) is str and type(response) is str:
                return PoolItem(HUMAN_TURN.format(value=query).strip(), response)
    return pool_item(Row(where, value))


def dedupe_key(item: PoolItem) -> int:
    return int.from_bytes(_key(item), "big")


def random_keys(seed: int, start: int, stop: int) -> np.ndarray:
    """`baselines.random_key(seed, i)` for i in [start, stop), as float64 (the same correctly rounded values)."""
    digests = b"".join(hashlib.blake2b(f"{seed}\x00{i}".encode(), digest_size=8).digest() for i in range(start, stop))
    return np.frombuffer(digests, dtype=">u8").astype(np.float64) / 2.0**64


def top(scores: np.ndarray, candidates: np.ndarray, count: int) -> list[tuple[int, float]]:
    """The `count` best (index, score) of `candidates` (row indices, ascending) and their `scores`, best first:
    the highest score, and on equal scores the later index, as `baselines.Best` ranks them."""
    if count <= 0 or len(candidates) == 0:
        return []
    chosen = np.arange(len(candidates))
    if len(candidates) > count:
        kth = np.partition(scores, len(scores) - count)[len(scores) - count]  # the count-th highest score
        above = np.flatnonzero(scores > kth)
        tied = np.flatnonzero(scores == kth)  # ascending: the later rows win the places left
        chosen = np.concatenate([above, tied[len(tied) - (count - len(above)):]])
    order = np.lexsort((-candidates[chosen], -scores[chosen]))
    chosen = chosen[order]
    return [(int(i), float(s)) for i, s in zip(candidates[chosen], scores[chosen])]


async def scan(path: Path, selectors: Sequence[str], options: ScanOptions, *, tokenizer: Any = None,
               ce: CEFn | None = None, embed: Callable[[list[str]], Any] | None = None,
               progress: Callable[[int], None] | None = None) -> ScanResult:
    """Pass one: every selector's picks, best first, as (row index, score). `tokenizer`: a transformers
    tokenizer or a `baselines.TokenizerFile` (needed by `length`; without one, lengths are words)."""
    path = Path(path)
    result = ScanResult()
    if _is_jsonl(path) and not any(name in IN_PROCESS for name in selectors):
        facts = _scan_ranges(path, tokenizer, options, result, progress)
    else:
        facts = await _scan_rows(path, selectors, options, _counter(tokenizer), result, ce, embed, progress)
    result.facts = facts
    rows = len(facts.keys)
    if options.dedupe and rows:
        fresh = np.zeros(rows, dtype=bool)
        fresh[np.unique(facts.keys, return_index=True)[1]] = True
        candidates = np.flatnonzero(fresh)
    else:
        candidates = np.arange(rows)
    result.rows, result.duplicates = rows, rows - len(candidates)
    if "length" in selectors:
        if tokenizer is None:
            raise ValueError("the length selector needs a tokenizer")
        lengths = facts.query[candidates].astype(np.int64) + facts.response[candidates]
        result.picks["length"] = top(lengths, candidates, options.budget)
    if "random" in selectors:
        keys = random_keys(options.seed, 0, rows)[candidates]
        result.picks["random"] = [(i, -s) for i, s in top(-keys, candidates, options.budget)]
    order = [name for name in selectors if name in STREAMED] + [name for name in POOLED if name in selectors]
    result.picks = {name: result.picks[name] for name in order if name in result.picks}
    return result


def _is_jsonl(path: Path) -> bool:
    """As `read_rows` tells: not .parquet, and not starting with '[' (a JSON list)."""
    if path.suffix == ".parquet" or not path.is_file():
        return False  # read_rows gives the error of a missing or unreadable file
    with path.open("rb") as handle:
        head = handle.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
    return not head.startswith(b"[")


class _Builder:
    """Collects the per-row facts of consecutive rows."""

    def __init__(self, counter: Any) -> None:
        self.counter = counter
        self.keys: list[bytes] = []
        self.query: list[int] = []
        self.response: list[int] = []

    def add(self, items: Sequence[PoolItem]) -> list[bytes]:
        keys = [_key(item) for item in items]
        self.keys += keys
        queries, responses = [i.query for i in items], [i.response for i in items]
        if self.counter is None:
            self.query += [len(text.split()) for text in queries]
            self.response += [len(text.split()) for text in responses]
        else:
            self.query += self.counter.counts(queries)
            self.response += self.counter.counts(responses)
        return keys

    def facts(self, offsets: Sequence[int] | None = None) -> PoolFacts:
        return PoolFacts(np.frombuffer(b"".join(self.keys), dtype=">u8").astype(np.uint64),
                         np.array(self.query, dtype=np.int32), np.array(self.response, dtype=np.int32),
                         None if offsets is None else np.array(offsets, dtype=np.int64))


class _Counter:
    """`nonzero_lengths` with a tokenizer that has no fast backend."""

    def __init__(self, tokenizer: Any) -> None:
        self.tokenizer = tokenizer

    def counts(self, texts: Sequence[str]) -> list[int]:
        return baselines.nonzero_lengths(self.tokenizer, texts)


def _counter(tokenizer: Any) -> Any:
    if tokenizer is None:
        return None
    if isinstance(tokenizer, baselines.TokenizerFile) or getattr(tokenizer, "backend_tokenizer", None) is not None:
        return baselines.TokenCounter.of(tokenizer)
    return _Counter(tokenizer)


async def _scan_rows(path: Path, selectors: Sequence[str], options: ScanOptions, counter: Any, result: ScanResult,
                     ce: CEFn | None, embed: Callable[[list[str]], Any] | None,
                     progress: Callable[[int], None] | None) -> PoolFacts:
    """The one-process scan: every row through the core reader, with what ce, ZIP and k-means need of the rows
    that are not duplicates (seen in file order, so the first occurrence is the one they see)."""
    builder = _Builder(counter)
    ce_best = baselines.Best(options.budget) if "ce" in selectors else None
    seen: set[bytes] = set()
    kept: list[int] = []   # row indices the pooled selectors see, in order
    reprs: list[str] = []
    texts: list[str] = []
    needs_rows = any(name in IN_PROCESS for name in selectors)
    for chunk in pool_chunks(path):
        keys = builder.add([item for _, item, _ in chunk])
        result.rows += len(chunk)
        if needs_rows:
            if options.dedupe:
                fresh = []
                for entry, key in zip(chunk, keys):
                    if key not in seen:
                        seen.add(key)
                        fresh.append(entry)
                chunk = fresh
            indices = [index for index, _, _ in chunk]
            items = [item for _, item, _ in chunk]
            if ce_best is not None and ce is not None:
                for index, value in zip(indices, await ce(items)):
                    if value is not None:
                        ce_best.offer(-value if options.lowest_ce else value, index)
            if "zip" in selectors or "kmeans" in selectors:
                kept += indices
                reprs += [repr(raw) for _, _, raw in chunk] if "zip" in selectors else []
                texts += [item.text() for item in items] if "kmeans" in selectors else []
        if progress is not None:
            progress(result.rows)
    if ce_best is not None:
        sign = -1.0 if options.lowest_ce else 1.0
        result.picks["ce"] = [(index, sign * score) for index, score in ce_best.ranked()]
    if "zip" in selectors:
        k1, k2, k3 = options.zip_k
        result.picks["zip"] = [(kept[i], None) for i in zip_select(reprs, options.budget, k1=k1, k2=k2, k3=k3)]
    if "kmeans" in selectors and embed is not None:
        picks = baselines.kmeans_centroid_picks(embed(texts), options.budget, options.seed)
        result.picks["kmeans"] = [(kept[i], None) for i in picks]
    return builder.facts()


# --- JSONL by byte ranges ----------------------------------------------------------------------------------------

@dataclass
class _Range:
    """What one byte range of a JSONL pool gave: its rows' facts, its line count, and its first bad row (its
    line within the range, the RowError's reason, message and hint), after which it stopped."""

    facts: PoolFacts
    lines: int
    error: tuple[int, str, str, str | None] | None = None


_WORKER_COUNTER: list[Any] = [None]


def _ranges(path: Path, size: int) -> list[tuple[int, int]]:
    """[start, stop) byte ranges of whole lines, each about `size` bytes, covering the file."""
    total = path.stat().st_size
    bounds = [0]
    with path.open("rb") as handle:
        while bounds[-1] + size < total:
            handle.seek(bounds[-1] + size - 1)
            handle.readline()  # to the end of the line holding the byte before the cut
            if handle.tell() >= total:
                break
            bounds.append(handle.tell())
    bounds.append(total)
    return [(a, b) for a, b in zip(bounds, bounds[1:]) if b > a]


def read_range(path: Path, start: int, stop: int, counter: Any) -> _Range:
    """The rows of the lines in [start, stop), read as the core's JSONL reader reads them (a line that is not UTF-8
    or not JSON, or a row that is not a sample, is an error; blank lines are skipped)."""
    with open(path, "rb") as handle:
        handle.seek(start)
        data = handle.read(stop - start)
    parts = data.split(b"\n")
    builder = _Builder(counter)
    items: list[PoolItem] = []
    offsets: list[int] = []
    error = None
    position = start
    for number, raw in enumerate(parts, 1):
        offset, position = position, position + len(raw) + 1
        try:
            try:
                line = raw.decode("utf-8").rstrip("\r")
            except UnicodeDecodeError:
                raise RowError("not_utf8", "the line is not UTF-8") from None
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as bad:
                raise RowError("invalid_json", f"invalid JSON: {bad.msg} (column {bad.colno})",
                               hint="each line of a .jsonl file must be one JSON value") from None
            items.append(sample(value))
        except RowError as bad:
            error = (number, bad.reason, bad.message, bad.hint)
            break
        offsets.append(offset)
    builder.add(items)
    return _Range(builder.facts(offsets), len(parts) - 1, error)


def _start_worker(source: baselines.TokenizerFile | None, loading: Any) -> None:
    if source is not None:
        with loading:  # two at a time: reading a large tokenizer.json briefly takes 3 times its final memory
            _WORKER_COUNTER[0] = baselines.TokenCounter.of(source)
            _release_free_memory()


def _worker_range(task: tuple[str, int, int]) -> _Range:
    path, start, stop = task
    return read_range(Path(path), start, stop, _WORKER_COUNTER[0])


def _release_free_memory() -> None:
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass


def _scan_ranges(path: Path, tokenizer: Any, options: ScanOptions, result: ScanResult,
                 progress: Callable[[int], None] | None) -> PoolFacts:
    """Pass one of a JSONL pool, by byte ranges, in worker processes when there is more than one range."""
    tasks = [(str(path), a, b) for a, b in _ranges(path, options.range_bytes)]
    workers = min(options.workers or os.cpu_count() or 1, len(tasks))
    parts: list[PoolFacts] = []
    lines = 0
    with ExitStack() as stack:
        source = None if workers < 2 else _tokenizer_file(tokenizer, stack)
        if workers < 2 or (tokenizer is not None and source is None):
            counter = _counter(tokenizer)
            done: Iterator[_Range] = (read_range(path, a, b, counter) for _, a, b in tasks)
        else:
            import multiprocessing

            context = multiprocessing.get_context("spawn")
            pool = stack.enter_context(context.Pool(workers, _start_worker, (source, context.BoundedSemaphore(2))))
            done = pool.imap(_worker_range, tasks)
        for part in done:
            if part.error is not None:
                number, reason, message, hint = part.error
                raise RowError(reason, message, where=f"{path}:{lines + number}", hint=hint)
            parts.append(part.facts)
            lines += part.lines
            result.rows += len(part.facts.keys)
            if progress is not None:
                progress(result.rows)
    if not parts:
        return _Builder(None).facts([])
    return PoolFacts(*(np.concatenate([getattr(p, name) for p in parts])
                       for name in ("keys", "query", "response", "offsets")))


def _tokenizer_file(tokenizer: Any, stack: ExitStack) -> baselines.TokenizerFile | None:
    """The tokenizer as workers load it: a `TokenizerFile` as given, or a fast tokenizer written to a temporary
    file; None without a tokenizer, or for one that cannot be written (no fast backend)."""
    if tokenizer is None or isinstance(tokenizer, baselines.TokenizerFile):
        return tokenizer
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is None:
        return None
    folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="synthloom-tokenizer-")))
    backend.save(str(folder / "tokenizer.json"), pretty=False)
    return baselines.TokenizerFile(folder / "tokenizer.json", getattr(tokenizer, "model_max_length", None),
                                   baselines.piece_rule(json.loads(backend.to_str())))


# --- pass two ----------------------------------------------------------------------------------------------------

def describe(path: Path, picks: dict[str, list[tuple[int, float | None]]], *, tokenizer: Any = None,
             embed: Callable[[list[str]], Any] | None = None, keep_rows: bool = False,
             facts: PoolFacts | None = None) -> tuple[dict[str, PickStats], dict[str, list[dict[str, Any]]]]:
    """Pass two: statistics of each selector's picks (token lengths as pass one counts them, or words without a
    tokenizer), and, with `keep_rows`, the picked rows themselves with their rank and score, best first. With
    pass one's `facts`, the lengths come from there, and a JSONL pool's picked rows are read by their offsets."""
    path = Path(path)
    wanted: dict[int, list[tuple[str, int, float | None]]] = {}
    for name, chosen in picks.items():
        for rank, (index, score) in enumerate(chosen):
            wanted.setdefault(index, []).append((name, rank, score))
    stats = {name: PickStats() for name in picks}
    rows: dict[str, list[tuple[int, dict[str, Any]]]] = {name: [] for name in picks}
    counter = _counter(tokenizer) if facts is None else None
    for hits in _picked_rows(path, wanted, facts):
        items = [item for _, item, _ in hits]
        if facts is not None:
            indices = np.array([index for index, _, _ in hits], dtype=np.int64)
            query_n, response_n = facts.query[indices].tolist(), facts.response[indices].tolist()
        else:
            builder = _Builder(counter)
            builder.add(items)
            query_n, response_n = builder.query, builder.response
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


def _picked_rows(path: Path, wanted: dict[int, Any],
                 facts: PoolFacts | None) -> Iterator[list[tuple[int, PoolItem, Any]]]:
    """The wanted rows as (index, sample, raw row), in file order, a chunk at a time."""
    if facts is None or facts.offsets is None:
        for chunk in pool_chunks(path):
            hits = [(index, item, raw) for index, item, raw in chunk if index in wanted]
            if hits:
                yield hits
        return
    hits: list[tuple[int, PoolItem, Any]] = []
    with path.open("rb") as handle:
        for index in sorted(wanted):
            offset = int(facts.offsets[index])
            handle.seek(offset)
            value = json.loads(handle.readline().decode("utf-8").rstrip("\r\n"))
            hits.append((index, sample(value, f"{path} (byte {offset})"), value))
            if len(hits) >= CHUNK:
                yield hits
                hits = []
    if hits:
        yield hits
