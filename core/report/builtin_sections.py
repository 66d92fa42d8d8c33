"""The report's own sections: overview, funnel, distributions, model calls, sandbox and samples.

Each is a function `(ReportData) -> blocks`, the same shape as a plugin's section, turning the aggregates of one
query module into plots, tables and notes.
"""

from __future__ import annotations

from typing import Any

from synthloom.report import charts
from synthloom.report.blocks import Note, Table
from synthloom.report.calls import call_stats, latency_histogram, timeline
from synthloom.report.data import ReportData
from synthloom.report.distributions import (
    TOKEN_COLUMNS,
    kind_fields,
    length_histograms,
    numeric_histograms,
    token_histogram,
)
from synthloom.report.funnel import funnel
from synthloom.report.samples import sample, targets
from synthloom.report.sandbox_runs import STATUSES, duration_histogram, sandbox_stats


def overview(data: ReportData) -> list[Any]:
    info = data.info
    ((messages, kinds, agents),) = data.query(
        "SELECT count(*), count(DISTINCT kind), count(DISTINCT agent) FROM messages WHERE campaign = ?",
        [data.campaign])[1]
    ((calls, fresh, tokens, cost),) = data.query(
        "SELECT count(*), count(*) FILTER (WHERE NOT cached), coalesce(sum(prompt_tokens + completion_tokens), 0), "
        "sum(cost) FROM model_calls WHERE campaign = ?", [data.campaign])[1]
    ((runs,),) = data.query("SELECT count(*) FROM sandbox_runs WHERE campaign = ?", [data.campaign])[1]
    rows = [("status", info.status), ("started", info.created_at), ("last update", info.updated_at),
            ("messages", messages), ("kinds", kinds), ("agents", agents), ("model calls", calls),
            ("of them fresh (not cached)", fresh), ("tokens", tokens), ("cost", cost), ("sandbox jobs", runs)]
    return [Table(["", "value"], rows)]


def funnel_section(data: ReportData) -> list[Any]:
    found = funnel(data.con, data.campaign, data.info.agent_order)
    if not any(a.handled or a.kept or a.dropped or a.failed for a in found.agents):
        return [Note("No agent has stored anything yet.")]
    blocks: list[Any] = [
        charts.funnel_plot(found),
        Table(["agent", "inputs handled", "kept", "dropped", "failed"],
              [(a.agent, a.handled, a.kept, a.dropped, a.failed) for a in found.agents]),
    ]
    if found.dropped:
        blocks += [charts.reasons_plot(found.dropped, "drop reasons per stage"),
                   Table(["stage", "reason", "items", "example"],
                         [(r.stage, r.reason, r.count, r.example) for r in found.dropped], "dropped items")]
    else:
        blocks.append(Note("No item was dropped."))
    if found.failed:
        blocks.append(Table(["agent", "error type", "inputs", "example"],
                            [(r.stage, r.reason, r.count, r.example) for r in found.failed], "failed inputs"))
    return blocks


def distributions_section(data: ReportData) -> list[Any]:
    blocks: list[Any] = []
    plain = []
    for fields in kind_fields(data.con, data.campaign):
        if not fields.numeric:
            plain.append(fields.kind)
        hists = [*numeric_histograms(data.con, data.campaign, fields),
                 *length_histograms(data.con, data.campaign, fields)]
        blocks += [charts.histogram_plot(hist, hist.label) for hist in hists]
    for column in TOKEN_COLUMNS:
        hist = token_histogram(data.con, data.campaign, column)
        if hist.total:
            blocks.append(charts.histogram_plot(hist, f"{column.replace('_', ' ')} per model call"))
    if plain:
        blocks.append(Note("Kinds with no numeric field (their text lengths are shown): " + ", ".join(plain) + "."))
    return blocks or [Note("No message has been stored yet.")]


def calls_section(data: ReportData) -> list[Any]:
    stats = call_stats(data.con, data.campaign)
    if not stats:
        return [Note("This campaign made no model call.")]
    blocks: list[Any] = [Table(
        ["agent", "model", "calls", "cached", "errors", "prompt tokens", "completion tokens", "cost", "p50 ms",
         "p90 ms", "p99 ms"],
        [(s.agent, s.model, s.calls, s.cached, s.errors, s.prompt_tokens, s.completion_tokens, s.cost, s.p50_ms,
          s.p90_ms, s.p99_ms) for s in stats])]
    times = timeline(data.con, data.campaign)
    if times is not None:
        blocks += [charts.over_time(times.by_agent, lambda p: p.calls, "calls by agent", times.width_s, "calls"),
                   charts.over_time(times.by_model, lambda p: p.tokens, "tokens by model", times.width_s, "tokens")]
        if any(p.cost for p in times.by_model):
            blocks.append(charts.cumulative_cost(times.by_model))
    latency = latency_histogram(data.con, data.campaign)
    if latency.total:
        blocks.append(charts.histogram_plot(latency, "latency of fresh calls"))
    return blocks


def sandbox_section(data: ReportData) -> list[Any]:
    stats = sandbox_stats(data.con, data.campaign)
    if not stats:
        return [Note("This campaign ran no code in the sandbox.")]
    return [
        Table(["agent", "jobs", "inputs", *STATUSES, "p50 ms", "p90 ms"],
              [(s.agent, s.runs, s.inputs, *(s.outcomes.get(status, 0) for status in STATUSES), s.p50_ms, s.p90_ms)
               for s in stats]),
        charts.outcomes_plot(stats),
        charts.histogram_plot(duration_histogram(data.con, data.campaign), "sandbox job duration"),
    ]


def samples_section(data: ReportData) -> list[Any]:
    return [sample(data.con, data.info, target) for target in targets(data.con, data.info)]


BUILTIN = {
    "overview": ("Overview", overview),
    "funnel": ("Funnel", funnel_section),
    "distributions": ("Distributions", distributions_section),
    "calls": ("Model calls", calls_section),
    "sandbox": ("Sandbox", sandbox_section),
    "samples": ("Samples", samples_section),
}
