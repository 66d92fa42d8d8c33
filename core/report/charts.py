"""Plotly figures for the report, built from aggregates (bin counts, per-agent totals, time buckets).

Plotly (https://plotly.com/python/) draws them: its Python package ships plotly.js, which the page inlines, so a
report opens without a network. Each function turns one aggregate into one figure and knows nothing about HTML.
"""

from __future__ import annotations

import html
from itertools import accumulate
from typing import Any, Callable

from synthloom.report.binning import Histogram
from synthloom.report.blocks import Plot
from synthloom.report.calls import TimePoint
from synthloom.report.funnel import Funnel, Reason
from synthloom.report.sandbox_runs import STATUSES, SandboxStats

HEIGHT = 300
OUTCOME_COLORS = {"kept": "#2ca02c", "dropped": "#ff7f0e", "failed": "#d62728", "ok": "#2ca02c", "error": "#d62728",
                  "timeout": "#9467bd", "killed": "#8c564b", "output_limit": "#e377c2"}


def _label(value: str) -> str:
    """Text for Plotly, which reads a few HTML tags in labels: data is escaped, and Plotly shows it as typed."""
    return html.escape(value, quote=False)


def _figure(traces: list[Any], title: str, **layout: Any) -> Plot:
    import plotly.graph_objects as go

    figure = go.Figure(traces)
    figure.update_layout(title={"text": title, "font": {"size": 14}}, height=layout.pop("height", HEIGHT),
                         margin={"l": 50, "r": 20, "t": 40, "b": 40}, **layout)
    return Plot.of(figure)


def histogram_plot(hist: Histogram, title: str) -> Plot:
    """Bars at the bins' centres, as wide as the bins, one colour per series: a histogram counted in SQL."""
    import plotly.graph_objects as go

    note = f"{hist.total:,} values" + (f", {hist.missing:,} missing" if hist.missing else "")
    bars = [go.Bar(x=hist.centers, y=counts, width=hist.widths, name=_label(series or hist.label),
                   marker_line_width=0, opacity=0.75 if len(hist.counts) > 1 else 1.0,
                   hovertemplate="%{x}: %{y}<extra>%{fullData.name}</extra>") for series, counts in hist.counts.items()]
    return _figure(bars, f"{_label(title)} <span style='font-size:11px'>({note})</span>", bargap=0.02,
                   barmode="overlay", showlegend=len(hist.counts) > 1, xaxis_title=_label(hist.label),
                   yaxis_title="count")


def funnel_plot(funnel: Funnel) -> Plot:
    """Per agent, in campaign order from top to bottom: items kept, dropped and failed."""
    import plotly.graph_objects as go

    agents = [_label(a.agent) for a in funnel.agents]
    traces = [go.Bar(y=agents, x=[getattr(a, part) for a in funnel.agents], name=part, orientation="h",
                     marker_color=OUTCOME_COLORS[part]) for part in ("kept", "dropped", "failed")]
    return _figure(traces, "items per agent", barmode="stack", yaxis={"autorange": "reversed"},
                   height=max(HEIGHT, 40 + 28 * len(agents)), xaxis_title="messages")


def reasons_plot(reasons: list[Reason], title: str) -> Plot:
    """One bar per (stage, reason), most frequent on top."""
    import plotly.graph_objects as go

    labels = [_label(f"{r.stage}: {r.reason}") for r in reasons]
    bars = go.Bar(y=labels, x=[r.count for r in reasons], orientation="h", marker_color=OUTCOME_COLORS["dropped"])
    return _figure([bars], _label(title), yaxis={"autorange": "reversed", "automargin": True}, showlegend=False,
                   height=max(HEIGHT, 40 + 24 * len(labels)), xaxis_title="items")


def over_time(points: list[TimePoint], value: Callable[[TimePoint], float], title: str, width_s: int,
              unit: str) -> Plot:
    """Stacked bars per time bucket, one colour per series (agent or model)."""
    import plotly.graph_objects as go

    traces = [go.Bar(x=[p.start for p in mine], y=[value(p) for p in mine], name=_label(series))
              for series, mine in _by_series(points).items()]
    return _figure(traces, f"{_label(title)} per {width_s} s", barmode="stack", yaxis_title=unit, bargap=0.1)


def cumulative_cost(points: list[TimePoint]) -> Plot:
    """Money spent so far, one line per model."""
    import plotly.graph_objects as go

    traces = [go.Scatter(x=[p.start for p in mine], y=list(accumulate(p.cost for p in mine)), name=_label(series),
                         mode="lines+markers") for series, mine in _by_series(points).items()]
    return _figure(traces, "cumulative cost", yaxis_title="cost")


def outcomes_plot(stats: list[SandboxStats]) -> Plot:
    """Sandbox inputs per agent by outcome."""
    import plotly.graph_objects as go

    seen = [s for s in STATUSES if any(s in row.outcomes for row in stats)]
    seen += sorted({s for row in stats for s in row.outcomes} - set(seen))
    agents = [_label(row.agent) for row in stats]
    traces = [go.Bar(x=agents, y=[row.outcomes.get(status, 0) for row in stats], name=_label(status),
                     marker_color=OUTCOME_COLORS.get(status)) for status in seen]
    return _figure(traces, "sandbox inputs by outcome", barmode="stack", yaxis_title="inputs")


def _by_series(points: list[TimePoint]) -> dict[str, list[TimePoint]]:
    grouped: dict[str, list[TimePoint]] = {}
    for point in points:
        grouped.setdefault(point.series, []).append(point)
    return grouped
