"""Kill a debate campaign halfway through its turns and rerun it: the debates go on from their last stored turn,
no turn that had come back is asked for again, and the statements equal those of an uninterrupted run.

The debaters are served by the local OpenAI-compatible test server (echo answers), which counts the completions it
serves per prompt. Its 1.5 s latency keeps each debate (five turns in a row) going for several of the store's 2 s
flushes, so that the signal can come when turns are stored and debates are unfinished.
"""

from __future__ import annotations

import signal
import time
from collections import Counter
from pathlib import Path

import pytest

from synthloom import query, run_campaign
from tests.backends.fake_openai_server import FakeOpenAIServer
from tests.core.helpers import popen_cli, run_cli

TOPICS = [{"topic": f"Topic number {t}", "affirmative": [f"Pro {t}.{a}" for a in (1, 2)],
           "negative": [f"Con {t}.{a}" for a in (1, 2)]} for t in range(12)]
DEBATES, CALLS = 48, 48 * 5  # 12 topics x 2 sides x 2 arguments; 4 turns and a conclusion each
IN_PROGRESS = ("SELECT count(DISTINCT debate) FROM debate_turn t WHERE NOT EXISTS "
               "(SELECT 1 FROM debate_conclusion c WHERE c.debate = t.debate)")


@pytest.fixture
def server():
    fake = FakeOpenAIServer(latency_s=1.5).start()
    try:
        yield fake
    finally:
        fake.stop()


def stored(store: Path, kind: str) -> int:
    if not store.exists():
        return 0
    return query(store, "SELECT count(*) FROM messages WHERE kind = ?", [kind])[1][0][0]


def outcome(store: Path) -> tuple[list[tuple], list[tuple]]:
    turns = query(store, "SELECT id, text FROM debate_turn ORDER BY id")[1]
    return turns, query(store, "SELECT id, debate, statement, template FROM debate_conclusion ORDER BY id")[1]


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["sigkill", "sigterm"])
def test_a_debate_killed_mid_way_resumes_without_asking_again(tmp_path: Path, campaign, server, sig) -> None:
    path = campaign({"name": "resume", "models": {"default": {
        "backend": "litellm", "model": "hosted_vllm/echo", "api_base": server.url, "concurrency": 64}},
        "agents": [{"name": "topics", "use": "debate.topics", "with": {"path": "topics.jsonl"}},
                   {"name": "debate", "use": "debate.debaters"}]}, TOPICS)
    full = tmp_path / "full.duckdb"
    assert run_campaign(path, store=full).outcome == "finished"
    assert stored(full, "debate.conclusion") == DEBATES and sum(server.attempts.values()) == CALLS
    before = Counter(server.attempts)

    store = tmp_path / "cut.duckdb"
    process = popen_cli("run", str(path), "--store", str(store), "--quiet")
    deadline = time.monotonic() + 120
    # the third turns are being asked for, and the opening turns are stored: the debates are under way
    while sum(server.attempts.values()) - CALLS <= 2 * DEBATES or stored(store, "debate.turn") < DEBATES:
        assert process.poll() is None and time.monotonic() < deadline, process.communicate()
        time.sleep(0.05)
    process.send_signal(sig)
    process.communicate(timeout=120)
    assert stored(store, "debate.conclusion") < DEBATES, "the campaign finished before the signal: nothing tested"
    shown = run_cli("sql", IN_PROGRESS, "--store", str(store), "--format", "csv")
    assert shown.returncode == 0 and int(shown.stdout.split()[-1]) > 0, shown.stdout  # debates in progress

    resumed = run_cli("run", str(path), "--store", str(store), "--quiet")
    assert resumed.returncode == 0, resumed.stderr
    assert outcome(store) == outcome(full)
    served = Counter(server.attempts) - before
    twice = sum(n - 1 for n in served.values() if n > 1)
    assert len(served) == CALLS  # every prompt was answered in the killed run or in the resumed one
    if sig == signal.SIGKILL:  # at most the calls in flight when the process died
        assert twice <= DEBATES, twice
    else:  # the batches in flight finished and were recorded before the process exited
        assert twice == 0
    _, [(fresh,)] = query(store, "SELECT count(*) FROM model_calls WHERE NOT cached")
    assert fresh == CALLS
