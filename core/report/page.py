"""The HTML page: one store, or two side by side (`--against`), every section in order.

Written as one self-contained document (plotly.js, the data of every plot and the script inlined) for `synthloom
report`, or served by `synthloom view` with plotly.js as a separate, cached file and the page's `<main>` refreshed
on its own. Scripts run under a Content-Security-Policy that allows only the page's own scripts (by hash), so that
even markup that slipped into the data could not run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from synthloom.report.blocks import Note, Plot, Table, script_json, text
from synthloom.report.reader import CampaignInfo
from synthloom.report.samples import SampleSet
from synthloom.report.samples_html import samples_html
from synthloom.report.sections import Section
from synthloom.report.static import BASIC_TRACES, CSS, SCRIPT, csp_hash, plotly_js

WIDE_TABLE_COLUMNS = 6     # a table with more columns, or with long text, spans the section's width
LONG_TEXT = 40
PARTIAL = {
    "running": "is still running, or stopped without closing its store",
    "interrupted": "was interrupted",
    "budget": "stopped when its budget ran out",
}


@dataclass(frozen=True)
class StoreView:
    """What one store contributes to the page: its campaign (None when it holds none) and each section's blocks."""

    path: Path
    info: CampaignInfo | None
    blocks: dict[str, list[Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class Page:
    views: list[StoreView]
    sections: list[Section]
    generated_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))

    @property
    def title(self) -> str:
        names = [view.info.name if view.info else view.path.name for view in self.views]
        return " vs ".join(names)


class _Blocks:
    """Turns blocks into HTML, numbering plots so that every plot on the page has its own id."""

    def __init__(self) -> None:
        self.plots = 0

    def html(self, block: Any) -> str:
        if isinstance(block, SampleSet):
            return f'<div class="wide">{samples_html(block)}</div>'
        if isinstance(block, Table):
            wide = " wide" if _wide(block) else ""
            return f'<div class="table{wide}">{block.html()}</div>'
        if isinstance(block, Note):
            return f'<div class="wide">{block.html()}</div>'
        if isinstance(block, str):
            return f'<div class="wide">{Note(block).html()}</div>'
        if isinstance(block, (Plot, dict)) or hasattr(block, "to_plotly_json"):
            plot = Plot.of(block)
            missing = sorted({trace.get("type", "scatter") for trace in plot.figure["data"]} - BASIC_TRACES)
            if missing:
                return self.html(Note(f"a plot of trace type {', '.join(missing)}, which the report's plotly.js "
                                      f"bundle cannot draw (it draws {', '.join(sorted(BASIC_TRACES))}): build it "
                                      "from bars or lines", error=True))
            return self._plot(plot)
        return self.html(Note(f"a section returned {type(block).__name__}, which the report cannot show "
                              "(return plots, tables or text)", error=True))

    def _plot(self, plot: Plot) -> str:
        self.plots += 1
        plot_id = f"plot-{self.plots}"
        return (f'<div class="plot" data-plot="{plot_id}"></div>'
                f'<script type="application/json" id="{plot_id}">{script_json(plot.figure)}</script>')


def _wide(table: Table) -> bool:
    return len(table.columns) > WIDE_TABLE_COLUMNS or any(
        isinstance(value, str) and len(value) > LONG_TEXT for row in table.rows for value in row)


def _banner(view: StoreView, generated_at: datetime) -> str:
    if view.info is None:
        return f'<p class="banner">Store {text(view.path)} holds no campaign yet.</p>'
    if not view.info.partial:
        return ""
    why = PARTIAL.get(view.info.status, f"has status {view.info.status!r}")
    return (f'<p class="banner partial"><b>Partial report.</b> Campaign {text(view.info.name)} {text(why)}: this '
            f"shows what its store held at {text(generated_at.replace(tzinfo=None))} UTC.</p>")


def main_html(page: Page) -> str:
    """The part of the page that changes with the store (what the live view swaps in)."""
    blocks = _Blocks()
    parts = [_banner(view, page.generated_at) for view in page.views]
    parts.append(f'<p class="muted">Generated {text(page.generated_at.replace(tzinfo=None))} UTC from '
                 + ", ".join(f"<code>{text(view.path)}</code>" for view in page.views) + ".</p>")
    sides = len(page.views)
    shown = [s for s in page.sections if any(view.blocks.get(s.anchor) for view in page.views)]
    parts.insert(0, '<nav class="sections">' + "".join(f'<a href="#{text(s.anchor)}">{text(s.title)}</a>'
                                                        for s in shown) + "</nav>")
    for section in shown:
        columns = []
        for view in page.views:
            found = view.blocks.get(section.anchor)
            body = "".join(blocks.html(b) for b in found) if found else '<p class="note">nothing to show</p>'
            label = f'<h3 class="store">{text(view.info.name if view.info else view.path.name)}</h3>' \
                if sides > 1 else ""
            columns.append(f'<div class="side">{label}<div class="blocks">{body}</div></div>')
        parts.append(f'<section class="report" id="{text(section.anchor)}" data-plugin="{text(section.plugin)}">'
                     f'<h2>{text(section.title)}</h2><div class="sides" style="--sides: {sides}">'
                     f'{"".join(columns)}</div></section>')
    return "".join(parts)


def _plot_template() -> str:
    import plotly.io

    return script_json(plotly.io.templates["plotly_white"].to_plotly_json())


def document(page: Page, *, live_interval_s: float | None = None, version: str = "") -> str:
    """The whole page: self-contained for a file, or (with `live_interval_s`) for the live view."""
    live = live_interval_s is not None
    if live:
        plotly_tag = '<script src="static/plotly.min.js"></script>'
        scripts = f"'self' {csp_hash(SCRIPT)}"
    else:
        plotly_tag = f"<script>{plotly_js()}</script>"
        scripts = f"{csp_hash(plotly_js())} {csp_hash(SCRIPT)}"
    policy = (f"default-src 'none'; script-src {scripts}; style-src 'unsafe-inline'; img-src data:; font-src data:"
              + ("; connect-src 'self'" if live else ""))
    status = '<span id="live-status">live</span>' if live else ""
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{policy}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>synthloom report: {text(page.title)}</title><style>{CSS}</style></head>"
        f'<body data-live="{1 if live else 0}" data-interval="{live_interval_s or 0}">'
        f'<header class="top"><h1>{text(page.title)}</h1>{status}</header>'
        f'<main id="report" data-version="{text(version)}">{main_html(page)}</main>'
        f'<script type="application/json" id="plot-template">{_plot_template()}</script>'
        f"{plotly_tag}<script>{SCRIPT}</script></body></html>")
