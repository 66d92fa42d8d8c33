"""Histograms computed in DuckDB: the page gets bin counts, never the values, whatever the campaign's size.

Two queries per histogram: the range and counts, then one `GROUP BY` over bin numbers. Integers with a narrow range
get one bin per value, so that a score from 1 to 10 reads as ten bars rather than thirty slivers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

BINS = 30


@dataclass(frozen=True)
class Histogram:
    """Counts per bin and series (`edges` has one more item than each count list; the series is the agent or model
    the values came from, "" when not split). Values that are NULL or not finite are `missing`."""

    label: str
    edges: list[float]
    counts: dict[str, list[int]]
    missing: int

    @property
    def total(self) -> int:
        return sum(sum(counts) for counts in self.counts.values())

    @property
    def centers(self) -> list[float]:
        return [(a + b) / 2 for a, b in zip(self.edges, self.edges[1:])]

    @property
    def widths(self) -> list[float]:
        return [b - a for a, b in zip(self.edges, self.edges[1:])]


def histogram(con: Any, source: str, value: str, params: list[Any], label: str, series: str | None = None,
              bins: int = BINS) -> Histogram:
    """Bin `value` (an SQL expression) over the rows of `source` (an SQL relation using `params`), split by the SQL
    expression `series` when given; every series shares the same bins."""
    split = series or "''"
    values = f"SELECT CAST({value} AS DOUBLE) AS v, CAST({split} AS VARCHAR) AS s FROM {source}"
    low, high, finite, rows, integral = con.execute(
        f"SELECT min(v) FILTER (WHERE isfinite(v)), max(v) FILTER (WHERE isfinite(v)), "
        f"count(v) FILTER (WHERE isfinite(v)), count(*), bool_and(v = floor(v)) FILTER (WHERE isfinite(v)) "
        f"FROM ({values})", params).fetchone()
    if not finite:
        return Histogram(label, [], {}, rows)
    edges = _edges(low, high, bool(integral), bins)
    width = edges[1] - edges[0]
    counts: dict[str, list[int]] = {}
    for name, index, count in con.execute(
            f"SELECT coalesce(s, '?'), least(CAST(floor((v - ?) / ?) AS BIGINT), ?) AS b, count(*) FROM ({values}) "
            f"WHERE isfinite(v) GROUP BY ALL ORDER BY 1", [edges[0], width, len(edges) - 2, *params]).fetchall():
        counts.setdefault(name, [0] * (len(edges) - 1))[index] = int(count)
    return Histogram(label, edges, counts, rows - finite)


def _edges(low: float, high: float, integral: bool, bins: int) -> list[float]:
    if integral and high - low < bins:
        return [low - 0.5 + i for i in range(int(high - low) + 2)]
    if high == low:
        return [low - 0.5, high + 0.5]
    width = (high - low) / bins
    if not math.isfinite(width) or width == 0:
        return [low, high]
    return [low + i * width for i in range(bins)] + [high]
