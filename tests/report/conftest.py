"""Fixtures of the report tests: small real campaigns on the replay backend, and Debian's Chromium driven by Playwright.

The browser is never skipped: scripts/setup_browser.sh (called by the test command's set-up) installs it, and a
machine without it fails here with that hint.
"""

from __future__ import annotations

import json
import os
import shutil
import textwrap
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Iterator

import pytest

import synthloom
from tests.report import plugin_for_tests

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "runs" / "test-artifacts"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
XSS_KEPT = 'Write item number 12 <script>window.__xss = 1</script> and <b>bold</b>.'
XSS_DROPPED = 'Write item number 13 <img src=x onerror="window.__xss = 2">.'
PROMPTS = 12

CAMPAIGN = """
name: {name}
seed: 3
models:
  default:
    backend: replay
    rules:
      - {{match: "Rate the response(?s:.*)number \\\\d*[13579]\\\\b", reply: "Meh.\\nScore: 3"}}
      - {{match: "Rate the response", reply: "Good.\\nScore: 9"}}
      - {{match: "(?s)^(.{{0,60}})", reply: "Answer to: \\\\1"}}
agents:
  - {{name: load, use: basic.load_jsonl, with: {{path: prompts.jsonl, on_bad_row: drop}}}}
  - {{name: generate, use: basic.generate}}
  - {{name: judge, use: basic.judge}}
  - {{name: keep, use: basic.filter, with: {{min_score: {min_score}}}}}
  - {{name: picture, use: reporttest.picture}}
export:
  - {{kind: basic.judged, agent: keep, format: trl-sft, path: out/sft.jsonl}}
  - {{kind: reporttest.picture, format: rows, path: out/pictures.jsonl}}
"""


def write_campaign(directory: Path, name: str = "report-small", min_score: float = 7,
                   campaign: str = CAMPAIGN, prompts: int = PROMPTS) -> Path:
    """A campaign file with its prompts: `prompts` plain ones, two carrying markup, and one unusable row."""
    directory.mkdir(parents=True, exist_ok=True)
    rows = [{"instruction": f"Write item number {i} about topic {i % 5}."} for i in range(prompts)]
    rows += [{"instruction": XSS_KEPT}, {"instruction": XSS_DROPPED}, {"text": "no instruction here"}]
    (directory / "prompts.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    path = directory / "campaign.yaml"
    path.write_text(textwrap.dedent(campaign.format(name=name, min_score=min_score)).lstrip(), encoding="utf-8")
    return path


def run_campaign(campaign: Path, store: Path, plugins: list[Any]) -> synthloom.RunSummary:
    """Run a campaign in a thread of its own: Playwright's sync API keeps an event loop running in the test's thread
    once the browser is up, and a campaign needs a thread without one."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        summary = pool.submit(synthloom.run_campaign, campaign, store=store, plugins=plugins).result()
    assert summary is not None and summary.status == "finished", summary
    return summary


def run_small(directory: Path, **kwargs: Any) -> Path:
    store = directory / "store.duckdb"
    run_campaign(write_campaign(directory, **kwargs), store, [plugin_for_tests])
    return store


@pytest.fixture(scope="session")
def small_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished campaign: 15 rows in, drops at load and at the filter, pictures, model calls."""
    return run_small(tmp_path_factory.mktemp("small"))


@pytest.fixture(scope="session")
def other_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same prompts through a stricter filter, for side-by-side reports."""
    return run_small(tmp_path_factory.mktemp("other"), name="report-strict", min_score=10)


@pytest.fixture(scope="session")
def chromium() -> str:
    executable = os.environ.get("SYNTHLOOM_CHROMIUM") or shutil.which("chromium")
    if executable is None:
        pytest.fail("Debian's chromium is not installed: run `bash scripts/setup_browser.sh`")
    return executable


@pytest.fixture(scope="package")
def browser(chromium: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A Chromium of its own (fresh profile, no network services) for these tests. Package-scoped: Playwright's sync
    API keeps an event loop running in the main thread while it is open, and the suite's later tests run campaigns
    there."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=chromium, headless=True,
            args=CHROMIUM_ARGS, viewport={"width": 1400, "height": 1000})
        try:
            yield context
        finally:
            context.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
