"""The report and the live view in a real headless Chromium (Debian's, driven by Playwright): every section renders,
with the expected number of plots and no console error, a lineage row expands, markup in the data stays text, and
screenshots are kept in runs/test-artifacts/."""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from synthloom.report.blocks import Plot
from synthloom.report.build import Report, Source
from synthloom.report.page import document
from synthloom.store import query
from tests.core.helpers import popen_cli
from tests.report import plugin_for_tests
from tests.report.conftest import XSS_KEPT, write_campaign

PLUGINS = [("reporttest", plugin_for_tests)]
ALL_PLOTS_DRAWN = """() => {
  const main = document.getElementById("report");
  return main.dataset.drawn === String(main.querySelectorAll("div.plot").length);
}"""
SLOW_CAMPAIGN = """
name: {name}
seed: 1
models:
  default: {{backend: replay, function: "tests.report.slow_replay:answer"}}
agents:
  - {{name: load, use: basic.load_jsonl, with: {{path: prompts.jsonl, on_bad_row: drop}}}}
  - {{name: generate, use: basic.generate, batch_size: 4, concurrency: 1}}
  - {{name: judge, use: basic.judge, batch_size: 4, concurrency: 1}}
  - {{name: keep, use: basic.filter, with: {{min_score: {min_score}}}}}
"""


def _open(browser: Any, url: str) -> tuple[Any, list[str]]:
    """A new tab on `url` once every plot is drawn, and the console errors it logged."""
    page = browser.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(url)
    page.wait_for_function(ALL_PLOTS_DRAWN, timeout=60_000)
    return page, errors


def _plots(report: Report) -> int:
    return sum(isinstance(block, Plot) for view in report.page().views for blocks in view.blocks.values()
               for block in blocks)


def _shown_sections(report: Report) -> list[str]:
    views = report.page().views
    return [s.anchor for s in report.sections if any(view.blocks.get(s.anchor) for view in views)]


def test_report_renders_every_section(browser: Any, small_store: Path, tmp_path: Path, artifacts: Path) -> None:
    report = Report([Source(small_store)], plugins=PLUGINS)
    out = report.write(tmp_path / "report.html")
    page, errors = _open(browser, out.as_uri())
    sections = page.eval_on_selector_all("main section.report", "nodes => nodes.map((n) => n.id)")
    assert sections == _shown_sections(report)
    assert {"s-overview", "s-funnel", "s-reporttest-pictures-test-plugin", "s-distributions", "s-calls",
            "s-sandbox", "s-samples"} <= set(sections)
    expected = _plots(report)
    assert expected >= 15
    assert page.locator("div.plot.js-plotly-plot").count() == expected
    assert page.locator("div.plot svg.main-svg").count() >= expected
    assert page.locator("#s-funnel g.trace.bars").count() >= 4        # kept, dropped, failed, drop reasons
    assert errors == []
    page.screenshot(path=str(artifacts / "report.png"), full_page=True)

    assert page.evaluate("window.__xss") is None
    script_row = page.locator("details.sample", has_text="<script>window.__xss = 1</script>").first
    assert not script_row.locator(".lineage").is_visible()
    script_row.locator("summary").click()
    lineage = script_row.locator(".lineage")
    assert lineage.is_visible()
    assert lineage.locator(".step").count() == 4 and lineage.locator(".call").count() == 2
    assert XSS_KEPT in lineage.locator(".step").last.inner_text()
    lineage.screenshot(path=str(artifacts / "report-lineage.png"))

    picture = page.locator("#s-samples details.sample", has=page.locator("img.msg-image")).first
    picture.locator("summary").click()
    image = picture.locator("img.msg-image").first
    assert image.is_visible() and image.evaluate("img => img.naturalWidth") == 24

    dropped = page.locator("#s-samples .samples").last
    dropped.locator("input.filter").fill("missing_field")
    assert dropped.locator("details.sample:visible").count() == 1
    assert page.evaluate("window.__xss") is None and errors == []


def test_two_campaigns_side_by_side(browser: Any, small_store: Path, other_store: Path, tmp_path: Path,
                                    artifacts: Path) -> None:
    report = Report([Source(small_store), Source(other_store)], plugins=PLUGINS)
    out = report.write(tmp_path / "compare.html")
    page, errors = _open(browser, out.as_uri())
    assert page.title() == "synthloom report: report-small vs report-strict"
    assert page.locator("#s-funnel .side").count() == 2
    assert page.locator("#s-funnel h3.store").all_inner_texts() == ["report-small", "report-strict"]
    assert page.locator("div.plot.js-plotly-plot").count() == _plots(report)
    strict_kept = query(other_store, "SELECT count(*) FROM messages WHERE agent = 'keep' AND kind <> 'dropped'")[1]
    assert strict_kept == [(0,)]
    assert errors == []
    page.screenshot(path=str(artifacts / "report-compare.png"), full_page=True)


def _wait(condition: Any, timeout_s: float, what: str) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")


def _messages_shown(page: Any) -> int:
    cell = page.locator("#s-overview tr", has_text="messages").first.locator("td").last.inner_text()
    return int(cell.replace(",", ""))


def _store_has_messages(store: Path) -> bool:
    if not store.exists():
        return False
    try:
        return query(store, "SELECT count(*) FROM messages")[1][0][0] > 0
    except Exception:  # the writer has not created its tables yet
        return False


@pytest.mark.slow
def test_view_follows_a_running_campaign(browser: Any, tmp_path: Path, artifacts: Path) -> None:
    campaign = write_campaign(tmp_path, name="report-live", campaign=SLOW_CAMPAIGN, prompts=40)
    store, gate = tmp_path / "live.duckdb", tmp_path / "gate"
    gate.touch()
    run = popen_cli("run", str(campaign), "--store", str(store), REPORT_TEST_GATE=str(gate))
    view = None
    try:
        _wait(lambda: _store_has_messages(store), 60, "the campaign's first messages")
        view = popen_cli("view", "--store", str(store), "--port", "0", "--interval", "0.5")
        line = view.stdout.readline()
        url = re.search(r"serving (http://127\.0\.0\.1:\d+/)", line)
        assert url, line + view.stderr.read()
        page, errors = _open(browser, url.group(1))
        assert "still running" in page.locator(".banner.partial").inner_text()
        assert page.locator("#s-funnel").is_visible() and page.locator("#s-samples").is_visible()
        page.screenshot(path=str(artifacts / "view-running.png"), full_page=True)
        first = _messages_shown(page)
        gate.unlink()
        _wait(lambda: _messages_shown(page) > first, 60, "the page to show new messages")
        assert run.wait(timeout=120) == 0, run.stderr.read()
        _wait(lambda: page.locator(".banner.partial").count() == 0, 30, "the finished campaign")
        page.wait_for_function(ALL_PLOTS_DRAWN, timeout=30_000)
        assert _messages_shown(page) == query(store, "SELECT count(*) FROM messages")[1][0][0]
        assert page.locator("div.plot.js-plotly-plot").count() == page.locator("div.plot").count()
        assert errors == []
        page.screenshot(path=str(artifacts / "view-finished.png"), full_page=True)
    finally:
        for process in (view, run):
            if process is not None and process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()


def test_the_page_runs_under_its_content_security_policy(small_store: Path) -> None:
    html = document(Report([Source(small_store)], plugins=PLUGINS).page())
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html).group(1)
    assert "default-src 'none'" in policy and "'unsafe-eval'" not in policy
    assert policy.count("'sha256-") == 2 and "connect-src" not in policy
