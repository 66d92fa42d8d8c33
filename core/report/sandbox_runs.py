"""Sandbox runs: jobs and inputs per agent, what each input ended as (ok, error, timeout, killed, output_limit), and
how long jobs took."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from synthloom.report.binning import Histogram, histogram

STATUSES = ("ok", "error", "timeout", "killed", "output_limit")


@dataclass(frozen=True)
class SandboxStats:
    agent: str
    runs: int
    inputs: int
    outcomes: dict[str, int]
    p50_ms: float | None
    p90_ms: float | None


def sandbox_stats(con: Any, campaign: str) -> list[SandboxStats]:
    runs = con.execute(
        "SELECT agent, count(*), coalesce(sum(json_array_length(outcomes)), 0), "
        "quantile_cont(duration_ms, [0.5, 0.9]) FROM sandbox_runs WHERE campaign = ? GROUP BY agent ORDER BY agent",
        [campaign]).fetchall()
    outcomes: dict[str, dict[str, int]] = {}
    for agent, status, count in con.execute(
            "SELECT agent, status, count(*) FROM (SELECT agent, unnest(json_extract_string(outcomes, '$[*].status')) "
            "AS status FROM sandbox_runs WHERE campaign = ?) GROUP BY ALL", [campaign]).fetchall():
        outcomes.setdefault(agent, {})[status or "?"] = int(count)
    return [SandboxStats(agent, int(n), int(inputs), outcomes.get(agent, {}), *(quantiles or (None, None)))
            for agent, n, inputs, quantiles in runs]


def duration_histogram(con: Any, campaign: str) -> Histogram:
    return histogram(con, "sandbox_runs WHERE campaign = ?", "duration_ms", [campaign], "sandbox job duration (ms)",
                     series="agent")
