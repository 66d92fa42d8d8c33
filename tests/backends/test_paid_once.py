"""Never pay twice: a campaign on the litellm backend, killed at a random moment and resumed, against a local
OpenAI-compatible server that counts the completions it serves.

After SIGKILL, the completions served twice are at most the requests in flight at the kill (the server answered
them, the dead client never read the answer). After Ctrl-C or SIGTERM, none: the batches in flight finish and their
replies are recorded before the process exits.
"""

from __future__ import annotations

import random
import signal
import time
from pathlib import Path

import pytest

from tests.backends.fake_openai_server import FakeOpenAIServer
from synthloom.store import query
from tests.core.helpers import popen_cli, run_cli, write_campaign, write_prompts

ITEMS = 1200
CAMPAIGN = """
name: paid-once
store: store.duckdb
models:
  default: {backend: litellm, model: hosted_vllm/counter, api_base: "URL", concurrency: 24, timeout_s: 20}
agents:
  - {name: load, use: basic.load_jsonl, with: {path: prompts.jsonl}}
  - {name: generate, use: basic.generate, batch_size: 16, concurrency: 4}
  - {name: judge, use: basic.judge, batch_size: 16, concurrency: 4}
  - {name: keep, use: basic.filter}
"""


@pytest.fixture
def counter() -> FakeOpenAIServer:
    fake = FakeOpenAIServer(latency_s=0.03).start()
    try:
        yield fake
    finally:
        fake.stop()


def _served(server: FakeOpenAIServer) -> int:
    return sum(server.attempts.values())


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT, signal.SIGTERM],
                         ids=["sigkill", "sigint", "sigterm"])
def test_a_killed_campaign_never_pays_twice(tmp_path: Path, counter: FakeOpenAIServer, sig: int) -> None:
    write_prompts(tmp_path, ITEMS)
    campaign = write_campaign(tmp_path, CAMPAIGN.replace("URL", counter.url))
    process = popen_cli("run", str(campaign), "--quiet")
    kill_at = random.Random(sig).randint(ITEMS // 4, ITEMS)  # somewhere in the middle of 2 x ITEMS calls
    deadline = time.monotonic() + 120
    while _served(counter) < kill_at:
        assert process.poll() is None and time.monotonic() < deadline, process.communicate()
        time.sleep(0.005)
    process.send_signal(sig)
    _, stderr = process.communicate(timeout=120)
    if sig != signal.SIGKILL:
        assert process.returncode == 130 and "Traceback" not in stderr, stderr
    served_before = _served(counter)
    assert served_before < 2 * ITEMS, "the campaign finished before the signal: nothing was tested"

    resumed = run_cli("run", str(campaign), "--quiet", timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert len(counter.attempts) == 2 * ITEMS, "every prompt was answered"
    if sig == signal.SIGKILL:
        # at most the requests in flight when the process died: never more than the backend lets out at once
        assert counter.served_twice <= min(counter.peak_in_flight, 24), counter.served_twice
    else:
        assert counter.served_twice == 0, (counter.served_twice, served_before)
    _, logged = query(tmp_path / "store.duckdb", "SELECT count(*) FROM model_calls WHERE NOT cached")
    # every completion the client received was logged once; those lost with a killed process were asked again
    assert logged[0][0] == _served(counter) - counter.served_twice
