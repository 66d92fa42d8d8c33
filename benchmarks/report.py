"""The report of a large campaign: how big the file is, how long it takes to write, and how long it takes to open.

Builds a campaign of about N messages (default 100,000) with the replay backend and the basic agents (load ->
generate -> judge -> filter: four messages per prompt, half of them dropped by the filter), unless --store names an
existing one, then writes its report and opens it in Debian's Chromium twice: once with a fresh profile (nothing
cached, what a person opening the file first sees) and once more. Load times run from navigation start, as the
page itself records them: to the first screen (the plots in view are drawn first, the others right after) and, in
brackets, to the last plot. Usage: python benchmarks/report.py [--messages N] [--store PATH]. Ends with lines
`report_bytes=`, `build_s=`, `load_cold_s=`, `load_warm_s=` and the machine's load average.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
CAMPAIGN = """
name: report-bench
seed: 0
models:
  default:
    backend: replay
    rules:
      - {match: "Rate the response(?s:.*)number \\\\d*[13579]\\\\b", reply: "Meh.\\nScore: 3"}
      - {match: "Rate the response", reply: "Good.\\nScore: 9"}
      - {match: "(?s)^(.{0,80})", reply: "A reply to: \\\\1"}
agents:
  - {name: load, use: basic.load_jsonl, with: {path: prompts.jsonl}}
  - {name: generate, use: basic.generate, batch_size: 256}
  - {name: judge, use: basic.judge, batch_size: 256}
  - {name: keep, use: basic.filter, batch_size: 512, with: {min_score: 7}}
export:
  - {kind: basic.judged, agent: keep, format: trl-sft, path: out/sft.jsonl}
"""


def build_campaign(folder: Path, messages: int) -> Path:
    import synthloom

    prompts = max(1, messages // 4)
    (folder / "prompts.jsonl").write_text("".join(
        json.dumps({"instruction": f"Write item number {i} about topic {i % 97}, in {10 + i % 50} words."}) + "\n"
        for i in range(prompts)), encoding="utf-8")
    (folder / "campaign.yaml").write_text(CAMPAIGN, encoding="utf-8")
    store = folder / "bench.duckdb"
    started = time.perf_counter()
    summary = synthloom.run_campaign(folder / "campaign.yaml", store=store)
    print(f"campaign: {summary.outcome} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return store


def load_seconds(context: Any, url: str) -> tuple[float, float, float]:
    """Seconds from navigation start to the first screen's plots drawn and to every plot drawn, and the CPU seconds
    the page's renderer process spent (on a busy machine the wall times mostly measure waiting for a core)."""
    page = context.new_page()
    session = context.new_cdp_session(page)
    session.send("Performance.enable")
    before = _cpu_s(session)
    page.goto(url, timeout=120_000)
    page.wait_for_function("() => document.getElementById('report').dataset.drawnMs !== undefined",
                           timeout=120_000)
    first, drawn = page.evaluate("() => [document.getElementById('report').dataset.firstMs, "
                                 "document.getElementById('report').dataset.drawnMs]")
    cpu = _cpu_s(session) - before
    page.close()
    return int(first) / 1000, int(drawn) / 1000, cpu


def _cpu_s(session: Any) -> float:
    metrics = session.send("Performance.getMetrics")["metrics"]
    return next(m["value"] for m in metrics if m["name"] == "ProcessTime")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--store", type=Path, help="report on this store instead of building one")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    from synthloom.report.build import Report, Source
    from synthloom.store import query

    work = Path(tempfile.mkdtemp(prefix="synthloom-report-bench-"))
    try:
        store = args.store or build_campaign(work, args.messages)
        count = query(store, "SELECT count(*) FROM messages")[1][0][0]
        started = time.perf_counter()
        out = Report([Source(store)]).write(work / "report.html")
        build_s = time.perf_counter() - started
        chromium = os.environ.get("SYNTHLOOM_CHROMIUM") or shutil.which("chromium") or "chromium"
        with sync_playwright() as playwright:
            context = playwright.chromium.launch_persistent_context(
                str(work / "profile"), executable_path=chromium, headless=True, args=CHROMIUM_ARGS,
                viewport={"width": 1400, "height": 1000})
            cold = load_seconds(context, out.as_uri())
            warm = load_seconds(context, out.as_uri())
            context.close()
        print(f"messages={count}")
        print(f"report_bytes={out.stat().st_size}")
        print(f"build_s={build_s:.2f}")
        for name, (first, drawn, cpu) in (("cold", cold), ("warm", warm)):
            print(f"load_{name}_s={first:.2f} (every plot drawn: {drawn:.2f}; renderer CPU: {cpu:.2f} s)")
        print(f"load_average={os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
