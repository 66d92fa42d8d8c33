"""Kill a campaign at any moment (SIGKILL or Ctrl-C), rerun the same command: the store ends exactly as an
uninterrupted run leaves it, with no lost or duplicated messages, and no model call paid twice."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest

from synthloom.store import query
from tests.core.helpers import popen_cli, run_cli, snapshot, write_campaign, write_prompts

CAMPAIGN = """
name: resumable
store: store.duckdb
seed: 3
models:
  default:
    backend: replay
    function: tests.core.replay_functions:slow_echo
agents:
  - {name: load, use: basic.load_jsonl, with: {path: prompts.jsonl}}
  - {name: generate, use: basic.generate, batch_size: 8, concurrency: 2}
  - {name: judge, use: basic.judge, batch_size: 8}
  - {name: keep, use: basic.filter, with: {min_score: 5}}
"""


def _setup(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    write_prompts(directory, 400)
    return write_campaign(directory, CAMPAIGN)


def _wait_for_progress(store: Path, process, minimum: int = 20, timeout: float = 60.0) -> int:
    """Wait until the running campaign has flushed some messages, reading the store as a second process."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        if store.exists():
            try:
                count = query(store, "SELECT count(*) FROM messages WHERE agent = 'judge'")[1][0][0]
            except Exception:
                count = 0
            if count >= minimum:
                return count
        time.sleep(0.1)
    raise AssertionError("the campaign made no visible progress")


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> dict:
    directory = tmp_path_factory.mktemp("uninterrupted")
    result = run_cli("run", str(_setup(directory)), "--quiet")
    assert result.returncode == 0, result.stderr
    return snapshot(directory / "store.duckdb")


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT], ids=["sigkill", "ctrl-c"])
def test_interrupted_run_resumes_to_the_same_store(tmp_path: Path, reference: dict, sig: int) -> None:
    campaign = _setup(tmp_path)
    store = tmp_path / "store.duckdb"
    process = popen_cli("run", str(campaign), "--quiet")
    seen = _wait_for_progress(store, process)
    process.send_signal(sig)
    _, stderr = process.communicate(timeout=60)
    if sig == signal.SIGINT:
        assert process.returncode == 130, stderr
        assert "rerun the same command to resume" in stderr
        assert "Traceback" not in stderr
    partial = snapshot(store)
    assert seen <= len([m for m in partial["messages"] if m[2] == "judge"]) < 400
    result = run_cli("run", str(campaign), "--quiet")
    assert result.returncode == 0, result.stderr
    assert snapshot(store) == reference


def test_sql_reads_while_a_campaign_writes(tmp_path: Path) -> None:
    campaign = _setup(tmp_path)
    store = tmp_path / "store.duckdb"
    process = popen_cli("run", str(campaign), "--quiet")
    try:
        _wait_for_progress(store, process, minimum=1)
        counts = []
        while process.poll() is None and len(counts) < 5:
            result = run_cli("sql", "SELECT count(*) AS n FROM messages", "--store", str(store), "--format", "json")
            assert result.returncode == 0, result.stderr
            counts.append(int(result.stdout.split(":")[1].strip(" }\n")))
        assert counts == sorted(counts) and counts[0] > 0
    finally:
        process.wait(timeout=120)
    assert process.returncode == 0
