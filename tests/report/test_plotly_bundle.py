"""The vendored plotly.js basic bundle: the version the pinned plotly package ships, and enough for every chart the
report draws (a trace type outside it would leave an empty box in the browser)."""

from __future__ import annotations

import re
import types
from pathlib import Path

from plotly.offline import get_plotlyjs_version

import synthloom
from synthloom.report.blocks import Plot
from synthloom.report.build import Report, Source
from synthloom.report.page import document
from synthloom.report.static import BASIC_TRACES, PLOTLY_BASIC, plotly_js
from tests.report import plugin_for_tests

PLUGINS = [("reporttest", plugin_for_tests)]


def test_the_bundle_is_the_pinned_plotly_version() -> None:
    header = re.search(r"plotly\.js \(basic - minified\) v(\S+)", plotly_js()[:300])
    assert header and header.group(1) == get_plotlyjs_version()
    assert "MIT License" in PLOTLY_BASIC.with_name("plotly-basic.LICENSE").read_text()


def test_every_trace_the_report_draws_is_in_the_bundle(small_store: Path, other_store: Path) -> None:
    report = Report([Source(small_store), Source(other_store)], plugins=PLUGINS)
    types = {trace.get("type", "scatter") for view in report.page().views for blocks in view.blocks.values()
             for block in blocks if isinstance(block, Plot) for trace in block.figure["data"]}
    assert "bar" in types and types <= BASIC_TRACES


def test_a_trace_the_bundle_cannot_draw_is_named_in_its_place(small_store: Path) -> None:
    import plotly.graph_objects as go

    module = types.ModuleType("heatmap_section")

    @synthloom.hookimpl
    def register_report_sections(register) -> None:
        register("Heat", lambda data: [go.Figure(go.Heatmap(z=[[1, 2], [3, 4]])), go.Figure(go.Bar(y=[1, 2]))])

    module.register_report_sections = register_report_sections
    html = document(Report([Source(small_store)], plugins=[("heat", module)]).page())
    section = html[html.index('id="s-heat-heat"'):]
    section = section[:section.index("</section>")]
    assert "a plot of trace type heatmap, which the report&#x27;s plotly.js bundle cannot draw" in section
    assert section.count('class="plot"') == 1
