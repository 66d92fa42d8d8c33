"""The page's style sheet and its one small script, and plotly.js (its basic bundle, vendored).

The script only hands each plot's specification to `Plotly.newPlot`, filters sample rows, and (in the live view)
swaps in a fresh copy of the page when the store changed; the charts themselves are Plotly's. Both are kept here
as text so that the page is one file and the Content-Security-Policy can name the script by its hash.
"""

from __future__ import annotations

import base64
import functools
import hashlib
from pathlib import Path

CSS = """
:root { --fg: #1d2430; --muted: #687385; --line: #dde2ea; --bg: #f6f7f9; --accent: #2f6fdb; --warn: #fff4d6; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg);
  background: var(--bg); }
header.top { position: sticky; top: 0; z-index: 10; background: #fff; border-bottom: 1px solid var(--line);
  padding: 8px 24px; display: flex; gap: 18px; align-items: baseline; flex-wrap: wrap; }
header.top h1 { font-size: 17px; margin: 0; }
nav.sections { margin: 4px 0 8px; }
nav.sections a { margin-right: 14px; color: var(--accent); text-decoration: none; }
#live-status { color: var(--muted); margin-left: auto; }
main { padding: 12px 24px 48px; }
.banner { background: var(--warn); border: 1px solid #f0d68a; padding: 8px 12px; border-radius: 6px; margin: 8px 0; }
section.report { background: #fff; border: 1px solid var(--line); border-radius: 8px; margin: 16px 0;
  padding: 4px 16px 16px; }
section.report > h2 { font-size: 16px; margin: 12px 0 8px; }
.muted, .note { color: var(--muted); }
p.error { color: #b42318; background: #fef3f2; padding: 6px 10px; border-radius: 6px; }
.sides { display: grid; grid-template-columns: repeat(var(--sides), minmax(0, 1fr)); gap: 16px; }
.side > h3.store { font-size: 13px; margin: 4px 0 8px; color: var(--muted); }
.blocks { display: grid; grid-template-columns: repeat(auto-fill, minmax(420px, 1fr)); gap: 12px; }
.sides[style*="--sides: 2"] .blocks { grid-template-columns: minmax(0, 1fr); }
.blocks > .wide { grid-column: 1 / -1; }
div.plot { min-height: 300px; }
table.data { border-collapse: collapse; font-size: 13px; width: 100%; }
table.data caption { text-align: left; color: var(--muted); padding: 4px 0; }
table.data th, table.data td { border-bottom: 1px solid var(--line); padding: 3px 8px; text-align: left;
  vertical-align: top; max-width: 520px; overflow-wrap: anywhere; }
table.data td.num { text-align: right; font-variant-numeric: tabular-nums; }
.samples h3 { font-size: 14px; margin: 10px 0 6px; }
input.filter { width: 100%; max-width: 420px; padding: 4px 8px; margin-bottom: 6px; border: 1px solid var(--line);
  border-radius: 6px; }
details.sample { border-bottom: 1px solid var(--line); }
details.sample > summary { cursor: pointer; padding: 4px 2px; display: flex; gap: 14px; overflow: hidden;
  white-space: nowrap; }
details.sample > summary .cell { overflow: hidden; text-overflow: ellipsis; max-width: 36ch; }
.sid { font-family: ui-monospace, monospace; color: var(--muted); }
.lineage { padding: 6px 0 12px 18px; border-left: 3px solid var(--accent); margin: 4px 0 8px 4px; }
.step { margin: 8px 0; }
.step-head { color: var(--muted); margin-bottom: 4px; }
.step dl { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: 2px 12px; margin: 0; }
.step dt { font-weight: 600; }
.step dd { margin: 0; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; margin: 0; font: 12px/1.4 ui-monospace, monospace;
  background: var(--bg); padding: 4px 6px; border-radius: 4px; max-height: 320px; overflow: auto; }
.call { border: 1px dashed var(--line); border-radius: 6px; padding: 6px 8px; margin: 6px 0 6px 12px; }
.call-head { color: var(--muted); font-size: 12px; margin-bottom: 4px; }
.call .reply { margin-top: 4px; }
img.msg-image { max-width: 280px; max-height: 280px; border: 1px solid var(--line); margin: 2px 6px 2px 0; }
"""

SCRIPT = """
(() => {
  "use strict";
  const main = document.getElementById("report");
  const template = JSON.parse(document.getElementById("plot-template").textContent);
  const config = { responsive: true, displaylogo: false };

  let generation = 0;

  function plot(div) {
    const spec = JSON.parse(document.getElementById(div.dataset.plot).textContent);
    spec.layout.template = template;
    Plotly.newPlot(div, spec.data, spec.layout, config);
  }

  // The plots in view are drawn at once; the others one per task afterwards, so that the page shows and answers
  // before the last plot is drawn. `data-first-ms` and `data-drawn-ms` (ms since the page started loading) and
  // `data-drawn` (how many plots) are for the tests and the benchmark.
  function draw(root) {
    const mine = ++generation;
    const plots = [...root.querySelectorAll("div.plot[data-plot]")];
    const inView = (div) => div.getBoundingClientRect().top < window.innerHeight;
    const later = plots.filter((div) => !inView(div));
    plots.filter(inView).forEach(plot);
    main.dataset.firstMs = String(Math.round(performance.now()));
    const next = () => {
      if (mine !== generation) return;
      if (later.length) {
        plot(later.shift());
        setTimeout(next, 0);
      } else {
        main.dataset.drawn = String(plots.length);
        main.dataset.drawnMs = String(Math.round(performance.now()));
      }
    };
    next();
  }

  function filter(input) {
    const needle = input.value.toLowerCase();
    for (const row of input.closest(".samples").querySelectorAll("details.sample")) {
      row.hidden = needle !== "" && !row.textContent.toLowerCase().includes(needle);
    }
  }

  function wire(root) {
    for (const input of root.querySelectorAll("input.filter")) {
      input.addEventListener("input", () => filter(input));
    }
  }

  function live() {
    const status = document.getElementById("live-status");
    const every = Number(document.body.dataset.interval) * 1000;
    async function refresh() {
      try {
        const response = await fetch("fragment?since=" + encodeURIComponent(main.dataset.version),
                                     { cache: "no-store" });
        if (response.status === 200) {
          const open = new Set([...main.querySelectorAll("details[open]")].map((d) => d.dataset.id));
          const filters = [...main.querySelectorAll("input.filter")].map((i) => i.value);
          for (const div of main.querySelectorAll("div.js-plotly-plot")) Plotly.purge(div);
          delete main.dataset.drawn;
          main.innerHTML = await response.text();
          main.dataset.version = response.headers.get("X-Report-Version");
          for (const d of main.querySelectorAll("details")) d.open = open.has(d.dataset.id);
          main.querySelectorAll("input.filter").forEach((input, i) => {
            input.value = filters[i] || "";
            if (input.value) filter(input);
          });
          draw(main);
          wire(main);
        }
        status.textContent = "live, checked " + new Date().toLocaleTimeString();
      } catch (error) {
        status.textContent = "live view unreachable (" + error.message + "), retrying";
      }
      setTimeout(refresh, every);
    }
    setTimeout(refresh, every);
  }

  draw(main);
  wire(main);
  if (document.body.dataset.live === "1") live();
})();
"""


PLOTLY_BASIC = Path(__file__).with_name("assets") / "plotly-basic.min.js"
# The trace types plotly's "basic" partial bundle draws; the report's charts use no others (tests hold it to that).
BASIC_TRACES = frozenset({"bar", "scatter", "pie"})


@functools.lru_cache(maxsize=1)
def plotly_js() -> str:
    """plotly.js's "basic" bundle (npm `plotly.js-basic-dist-min`, MIT, the licence beside it), vendored at the
    plotly.js version the pinned plotly package ships: 1.2 MB instead of the full bundle's 4.8 MB, whose compiling
    was most of the time a browser took to show a report's first screen."""
    return PLOTLY_BASIC.read_text(encoding="utf-8")


@functools.lru_cache(maxsize=4)
def csp_hash(script: str) -> str:
    """The `'sha256-…'` source that lets exactly this inline script run under the page's policy."""
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"
