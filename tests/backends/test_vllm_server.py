"""`synthloom models serve` end to end: vLLM's OpenAI-compatible server (CPU build, the environment of
scripts/setup_vllm.sh) serves the embedded chat model (SmolLM2-135M-Instruct: `basic.generate` sends chat requests,
which the server refuses for a model without a chat template) on 127.0.0.1; a small campaign (generation, then IFD
scoring through echoed prompt log-probabilities) runs on it through the litellm backend's HTTP transport and gets
what the same campaign gets from the transformers backend in float32; Ctrl-C stops the server and its engine."""

from __future__ import annotations

import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import yaml

from tests.backends.vllm_env import require_vllm_python

pytestmark = [pytest.mark.model, pytest.mark.slow]

DATA = Path(__file__).resolve().parents[2] / "examples" / "data"
READY_TIMEOUT_S = 900


class Served:
    def __init__(self, process: subprocess.Popen[str], url: str, lines: list[str]) -> None:
        self.process, self.url, self.lines = process, url, lines


def read_lines(stream, into: queue.Queue) -> None:
    for line in stream:
        into.put(line)
    into.put(None)


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    require_vllm_python()
    log = (tmp_path_factory.mktemp("serve") / "serve.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "synthloom.cli.main", "models", "serve", "--model", "embedded-chat", "-o",
         "dtype=float32", "-o", "max_model_len=1024", "--port", "0"], stdout=subprocess.PIPE, stderr=log, text=True, start_new_session=True)
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=read_lines, args=(process.stdout, lines), daemon=True).start()
    seen: list[str] = []
    deadline = time.monotonic() + READY_TIMEOUT_S
    while not seen or not seen[-1].startswith("serving "):
        line = lines.get(timeout=max(1.0, deadline - time.monotonic()))
        assert line is not None, f"`synthloom models serve` exited with {process.wait()}; see {log.name}"
        seen.append(line)
    url = seen[-1].split(" at ")[1].strip()
    try:
        yield Served(process, url, seen + [lines.get(timeout=10)])
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        log.close()


def campaign(tmp_path: Path, name: str, model: dict) -> Path:
    (tmp_path / "prompts.jsonl").write_text("".join(
        f'{{"instruction": "{text}"}}\n' for text in ("Name a colour.", "What is two plus two?",
                                                     "Write a haiku about rain.")))
    spec = {"name": name, "store": f"{name}.duckdb", "models": {"default": model},
            "agents": [
                {"name": "load", "use": "basic.load_jsonl", "with": {"path": "prompts.jsonl"}},
                {"name": "generate", "use": "basic.generate", "with": {"max_tokens": 24}},
                {"name": "samples", "use": "selection.load_alpaca", "with": {"path": str(DATA / "alpaca_small.jsonl")}},
                {"name": "ifd", "use": "selection.ifd", "inputs": ["samples"]},
            ]}
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(spec))
    return path


def results(store: Path) -> tuple[list[tuple], list[tuple]]:
    import synthloom

    _, generated = synthloom.query(store, "SELECT instruction, response FROM basic_generated ORDER BY instruction")
    _, scores = synthloom.query(store, "SELECT instruction, ifd, loss_conditioned, loss_direct, answer_tokens "
                                       "FROM selection_ifd_score ORDER BY instruction")
    return generated, scores


def test_a_campaign_on_the_served_model_matches_the_transformers_backend(served, tmp_path):
    import synthloom

    assert served.url.startswith("http://127.0.0.1:") and served.url.endswith("/v1")
    assert "hosted_vllm/embedded-chat" in served.lines[-1] and served.url in served.lines[-1]
    remote = campaign(tmp_path, "served", {"backend": "litellm", "model": "hosted_vllm/embedded-chat",
                                           "api_base": served.url})
    local = campaign(tmp_path, "local", {"backend": "transformers", "model": "embedded-chat", "dtype": "float32"})
    for path in (remote, local):
        summary = synthloom.run_campaign(path)
        assert summary.outcome == "finished", summary
    (served_text, served_scores), (local_text, local_scores) = (results(tmp_path / "served.duckdb"),
                                                                results(tmp_path / "local.duckdb"))
    assert len(served_text) == 3 and served_text == local_text
    assert len(served_scores) == 8
    for mine, reference in zip(served_scores, local_scores):
        assert mine[0] == reference[0] and mine[4] == reference[4] > 0
        assert mine[1:4] == pytest.approx(reference[1:4], rel=1e-4)


def server_processes(port: str) -> set[int]:
    """vLLM's server for this port (the worker running `vllm serve`) and its descendants (vLLM's engine core)."""
    parents: dict[int, int] = {}
    found: set[int] = set()
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            args = (proc / "cmdline").read_bytes().split(b"\0")
            parents[int(proc.name)] = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if b"server" in args and b"--port" in args and port.encode() in args:
            found.add(int(proc.name))
    while True:
        children = {pid for pid, parent in parents.items() if parent in found} - found
        if not children:
            return found
        found |= children


def test_ctrl_c_stops_the_server_and_its_engine(served):
    port = served.url.rsplit(":", 1)[1].split("/")[0]
    processes = server_processes(port)
    assert len(processes) >= 2  # the server and its engine core
    served.process.send_signal(signal.SIGINT)
    assert served.process.wait(timeout=120) == 0
    assert [pid for pid in processes if Path(f"/proc/{pid}").exists()] == []
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", int(port)), timeout=2).close()
