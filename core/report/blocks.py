"""What a report section returns, and how each becomes HTML: a plot, a table, or text.

Sections hand back data, never markup, so that every string that reaches the page goes through one escaping path:
text and table cells through `html.escape`, plot specifications through `script_json` (which leaves no `<`, `>` or
`&` inside a script element). A sample that contains `<script>` is shown as text and never runs.
"""

from __future__ import annotations

import html
import json
import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

_SCRIPT_SAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028",
                              "\u2029": "\\u2029"})


def script_json(value: Any) -> str:
    """JSON that can sit inside `<script type="application/json">` whatever strings it holds."""
    return json.dumps(value, ensure_ascii=False, allow_nan=False, default=str).translate(_SCRIPT_SAFE)


def text(value: Any) -> str:
    """A value as escaped HTML text: numbers rounded for reading, None as a dash."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if not math.isfinite(value):
            return html.escape(str(value))
        return f"{value:,.4g}" if abs(value) < 1e15 else f"{value:.3e}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    return html.escape(str(value))


@dataclass(frozen=True)
class Plot:
    """A Plotly figure: `{"data": [...], "layout": {...}}`, built by plotly's own classes, then kept as plain data."""

    figure: dict[str, Any]

    @classmethod
    def of(cls, figure: Any) -> "Plot":
        """From a `plotly.graph_objects.Figure` or its dict form."""
        if isinstance(figure, Plot):
            return figure
        as_dict = figure if isinstance(figure, dict) else figure.to_plotly_json()
        spec = json.loads(_plotly_json(as_dict))
        layout = {k: v for k, v in spec.get("layout", {}).items() if k != "template"}
        return cls({"data": spec.get("data", []), "layout": layout})


def _plotly_json(figure: dict[str, Any]) -> str:
    """Plotly's encoder turns numpy arrays, dates and the like into JSON."""
    import plotly.io

    return plotly.io.to_json(figure, validate=False)


@dataclass(frozen=True)
class Table:
    """Rows under column names; cells are escaped when the page is written."""

    columns: list[str]
    rows: list[tuple[Any, ...]]
    caption: str = ""
    numeric: set[int] = field(default_factory=set)

    def __post_init__(self) -> None:
        if not self.numeric:
            for index in range(len(self.columns)):
                values = [row[index] for row in self.rows if row[index] is not None]
                if values and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
                    self.numeric.add(index)

    def html(self) -> str:
        head = "".join(f"<th>{text(c)}</th>" for c in self.columns)
        body = "".join("<tr>" + "".join(
            f'<td class="num">{text(v)}</td>' if i in self.numeric else f"<td>{text(v)}</td>"
            for i, v in enumerate(row)) + "</tr>" for row in self.rows)
        caption = f"<caption>{text(self.caption)}</caption>" if self.caption else ""
        empty = "" if self.rows else f'<tr><td colspan="{max(1, len(self.columns))}" class="none">none</td></tr>'
        return f'<table class="data">{caption}<thead><tr>{head}</tr></thead><tbody>{body}{empty}</tbody></table>'


@dataclass(frozen=True)
class Note:
    """A sentence shown as is (escaped); `error` marks a section that could not be drawn."""

    message: str
    error: bool = False

    def html(self) -> str:
        return f'<p class="{"error" if self.error else "note"}">{text(self.message)}</p>'
