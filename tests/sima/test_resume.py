"""Kill a SIMA campaign while it critiques and run it again: the answers are not asked for again, the stored
answers reach the critic with their images (read back from the store's blobs), and the pairs equal those of an
uninterrupted run."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest

from synthloom import query, run_campaign
from tests.core.helpers import popen_cli, run_cli
from tests.sima.conftest import prompt_rows

pytestmark = [pytest.mark.model, pytest.mark.slow]


def count(store: Path, sql: str) -> int:
    return query(store, sql)[1][0][0] if store.exists() else 0


def test_a_campaign_killed_while_critiquing_resumes_without_answering_again(tmp_path: Path, campaign,
                                                                           photos) -> None:
    path = campaign(prompt_rows(photos)[:4])
    full = run_campaign(path, store=tmp_path / "full.duckdb").store
    pairs = "SELECT id, chosen, rejected, image->>'sha256' FROM sima_pair ORDER BY id"

    store = tmp_path / "cut.duckdb"
    process = popen_cli("run", str(path), "--store", str(store), "--quiet", SIMA_TEST_CRITIC_DELAY_S="60")
    deadline = time.monotonic() + 180
    while count(store, "SELECT count(*) FROM messages WHERE kind = 'sima.responses'") < 4:
        assert process.poll() is None and time.monotonic() < deadline, process.communicate()
        time.sleep(0.2)
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=60)
    assert count(store, "SELECT count(*) FROM messages WHERE kind = 'sima.pair'") == 0

    resumed = run_cli("run", str(path), "--store", str(store), "--quiet", timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert query(store, pairs)[1] == query(full, pairs)[1]
    assert count(store, "SELECT count(*) FROM model_calls WHERE agent = 'respond' AND NOT cached") == 8
