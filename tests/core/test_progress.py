"""The progress panel's figures, and its plain-text mode when there is no terminal."""

from __future__ import annotations

import time
from collections import deque
from types import SimpleNamespace

from synthloom.progress import ProgressPanel, rows
from synthloom.nodes import AgentStats


def _runtime(**stats) -> SimpleNamespace:
    node = SimpleNamespace(name="judge", inbox=deque(range(30)), stats=AgentStats(**stats))
    node.stats.started = time.monotonic() - 60
    return SimpleNamespace(nodes={"judge": node}, campaign=SimpleNamespace(name="c"), status="running")


def test_rates_queue_and_eta() -> None:
    (row,) = rows(_runtime(received=40, handled=10, calls=120, tokens=6000, cost=0.5, in_flight=0))
    assert row["queue"] == 30
    assert abs(row["calls/min"] - 120) < 1 and abs(row["tok/min"] - 6000) < 10
    assert row["eta"] == "3.0m"  # 30 queued at 10 per minute
    (done,) = rows(_runtime(handled=10, done=True))
    assert done["eta"] == "done"


def test_plain_mode_prints_a_line_per_agent(capsys) -> None:
    panel = ProgressPanel(_runtime(received=5, handled=5), plain_interval_s=0.05)
    panel.start()
    time.sleep(0.2)
    panel.stop()
    err = capsys.readouterr().err
    assert "[judge] in=5 done=5" in err and "queue=30" in err
