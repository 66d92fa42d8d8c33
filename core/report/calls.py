"""Model calls: counts, tokens, cost, latency percentiles and cache hits per agent and model, and the same over time.

Latency percentiles count fresh calls only: a cached reply costs nothing and takes no time, and would pull every
percentile towards zero on a resumed campaign.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from synthloom.report.binning import Histogram, histogram

# Bucket widths for the time plots, in seconds: the smallest that keeps a campaign within MAX_BUCKETS bars.
WIDTHS_S = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400, 604800)
MAX_BUCKETS = 60


@dataclass(frozen=True)
class CallStats:
    agent: str
    model: str
    calls: int
    cached: int
    errors: int
    prompt_tokens: int
    completion_tokens: int
    cost: float | None
    p50_ms: float | None
    p90_ms: float | None
    p99_ms: float | None


@dataclass(frozen=True)
class TimePoint:
    """One time bucket of one agent (or model): calls, tokens and cost in it."""

    start: datetime
    series: str
    calls: int
    tokens: int
    cost: float


@dataclass(frozen=True)
class CallTimeline:
    width_s: int
    by_agent: list[TimePoint]
    by_model: list[TimePoint]


def call_stats(con: Any, campaign: str) -> list[CallStats]:
    rows = con.execute(
        "SELECT agent, model, count(*), count(*) FILTER (WHERE cached), count(*) FILTER (WHERE error IS NOT NULL), "
        "coalesce(sum(prompt_tokens), 0), coalesce(sum(completion_tokens), 0), sum(cost), "
        "quantile_cont(latency_ms, [0.5, 0.9, 0.99]) FILTER (WHERE NOT cached) "
        "FROM model_calls WHERE campaign = ? GROUP BY ALL ORDER BY agent, model", [campaign]).fetchall()
    return [CallStats(agent, model, int(n), int(cached), int(errors), int(pt), int(ct), cost,
                      *(quantiles or (None, None, None)))
            for agent, model, n, cached, errors, pt, ct, cost, quantiles in rows]


def bucket_width(span_s: float) -> int:
    """The bucket width for a campaign that lasted `span_s` seconds."""
    for width in WIDTHS_S:
        if span_s / width < MAX_BUCKETS:
            return width
    return WIDTHS_S[-1]


def timeline(con: Any, campaign: str) -> CallTimeline | None:
    """Calls, tokens and cost per time bucket, by agent and by model (None when the campaign made no call)."""
    low, high = con.execute("SELECT min(created_at), max(created_at) FROM model_calls WHERE campaign = ?",
                            [campaign]).fetchone()
    if low is None:
        return None
    width = bucket_width((high - low).total_seconds())
    points = {}
    for series in ("agent", "model"):
        rows = con.execute(
            f"SELECT time_bucket(to_seconds(?), created_at, ?::TIMESTAMP) AS t, {series}, count(*), "
            "coalesce(sum(prompt_tokens + completion_tokens), 0), coalesce(sum(cost), 0) "
            "FROM model_calls WHERE campaign = ? GROUP BY ALL ORDER BY t, 2", [width, low, campaign]).fetchall()
        points[series] = [TimePoint(t, name, int(n), int(tokens), float(cost)) for t, name, n, tokens, cost in rows]
    return CallTimeline(width, points["agent"], points["model"])


def latency_histogram(con: Any, campaign: str) -> Histogram:
    """Latency of fresh, answered calls (cached replies take no time)."""
    return histogram(con, "model_calls WHERE campaign = ? AND NOT cached AND error IS NULL", "latency_ms", [campaign],
                     "latency (ms)", series="model")
