"""Debate turns per second: 32 debates with their turns batched across debates, against one turn at a time.

Each debate is one given argument (16 topics x 2 sides), debated for `--rounds` rounds and concluded, so a debate
is 2 x rounds turns plus the conclusion, all counted as turns. "Batched" is the debaters agent as shipped: every
debate waiting for its next turn goes to the model in one batch (the transformers backend pads them into one
forward pass; the litellm backend sends them concurrently). "One at a time" is the same campaign with the agent's
`batch_size: 1, concurrency: 1`: one request per call, which is what debating one debate at a time costs.

Two models: the embedded one (transformers, this machine's CPU; short turns) and a local OpenAI-compatible server
(tests/backends/fake_openai_server.py, run as its own process) answering each request after `--latency-ms` (50).

The rate is over the steady state: from the moment the last debate was opened (both ways open every debate
first; batched, that first batch also loads the model) to the end, so both are measured on the same turns; the
rate over the whole run is printed too.
On a CPU, batching speeds up decoding (memory-bound one row at a time) and not reading the prompt (compute-bound
either way); the transcript each turn reads grows with the turns' length, so on this machine 256-token turns (the
default) gained 3.5x, and at the plugin's 800-token turns the batched rate fell to a fifth (docs/debate.md).
A one-at-a-time run's rate does not depend on how many debates it runs: `--single-debates 8` makes it quicker.

Usage: python benchmarks/debate.py [--only embedded|server] [--rounds 1] [--max-tokens 256] [--single-debates N].
Ends with one line `ratio_<model>=<x>` per model.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
SERVER = REPO / "tests" / "backends" / "fake_openai_server.py"
DEBATES = 32
TURN_KINDS = ("debate.turn", "debate.conclusion")


@dataclass
class Timeline:
    """What the debaters agent produced, batch by batch: (seconds since start, turns in the batch, whether the
    batch opened a debate)."""

    started: float = field(default_factory=time.perf_counter)
    batches: list[tuple[float, int, bool]] = field(default_factory=list)

    def record(self, agent: str, outputs: list) -> None:
        turns = sum(m.kind in TURN_KINDS for m in outputs)
        if agent == "debate" and turns:
            opened = any(m.kind == "debate.turn" and m.turn == 1 for m in outputs)
            self.batches.append((time.perf_counter() - self.started, turns, opened))

    def rates(self) -> tuple[int, float, float]:
        """(turns, turns/s over the steady state, turns/s over the whole run).

        The steady state starts when the last debate has been opened: both ways take the opening turns first
        (batched: in one batch, which also loads the model; one at a time: the inbox is first in, first out), so
        both are then measured on the same later turns, whose prompts hold the transcript."""
        total = sum(n for _, n, _ in self.batches)
        start = max(i for i, (_, _, opened) in enumerate(self.batches) if opened)
        after = sum(n for _, n, _ in self.batches[start + 1:])
        first, last = self.batches[start][0], self.batches[-1][0]
        steady = after / (last - first) if last > first else float("nan")
        return total, steady, total / last


def write_campaign(directory: Path, model: dict[str, Any], batched: bool, debates: int, rounds: int,
                   max_tokens: int) -> Path:
    topics = directory / "topics.jsonl"
    topics.write_text("".join(json.dumps({"topic": f"Topic {t} should be adopted", "affirmative": [f"Reason {t} for."],
                                          "negative": [f"Reason {t} against."]}) + "\n"
                              for t in range(debates // 2)))
    debaters: dict[str, Any] = {"name": "debate", "use": "debate.debaters",
                                "with": {"rounds": rounds, "max_tokens": max_tokens,
                                         "conclusion_max_tokens": max_tokens, "temperature": 0.0}}
    if not batched:
        debaters.update(batch_size=1, concurrency=1)
    campaign = {"name": "debate-bench", "models": {"default": model},
                "agents": [{"name": "topics", "use": "debate.topics", "with": {"path": str(topics)}}, debaters]}
    path = directory / ("batched.yaml" if batched else "single.yaml")
    path.write_text(yaml.safe_dump(campaign))
    return path


def measure(model: dict[str, Any], batched: bool, debates: int, rounds: int,
            max_tokens: int) -> tuple[int, float, float]:
    import synthloom
    from synthloom.hookspecs import hookimpl

    timeline = Timeline()

    @hookimpl
    def on_batch_done(campaign: Any, agent: str, inputs: list, outputs: list) -> None:
        timeline.record(agent, outputs)

    with tempfile.TemporaryDirectory() as tmp:
        path = write_campaign(Path(tmp), model, batched, debates, rounds, max_tokens)
        timeline.started = time.perf_counter()
        observer = ("bench", SimpleNamespace(on_batch_done=on_batch_done))
        summary = synthloom.run_campaign(path, store=Path(tmp) / "store.duckdb", plugins=[observer])
    assert summary is not None and summary.outcome == "finished", summary
    turns, steady, whole = timeline.rates()
    assert turns == debates * (2 * rounds + 1), turns
    return turns, steady, whole


def compare(name: str, model: dict[str, Any], rounds: int, max_tokens: int, single_debates: int) -> float:
    print(f"== {name}: {rounds} round(s), {2 * rounds + 1} turns per debate, {max_tokens} tokens per turn", flush=True)
    rates = {}
    for batched in (True, False):
        debates = DEBATES if batched else single_debates
        label = f"{debates} debates " + ("batched" if batched else "one at a time")
        turns, steady, whole = measure(model, batched, debates, rounds, max_tokens)
        rates[batched] = steady
        print(f"  {label:28s} {turns:4d} turns {steady:9.3f} turns/s steady {whole:9.3f} turns/s whole run",
              flush=True)
    ratio = rates[True] / rates[False]
    print(f"ratio_{name}={ratio:.2f}", flush=True)
    return ratio


def start_server(latency_ms: float) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen([sys.executable, str(SERVER), "--latency-ms", str(latency_ms)],
                               stdout=subprocess.PIPE, text=True)
    port = process.stdout.readline().strip()  # type: ignore[union-attr]
    return process, f"http://127.0.0.1:{port}/v1"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["embedded", "server"])
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--max-tokens", type=int, default=256, help="turn and conclusion limit (embedded model)")
    parser.add_argument("--single-debates", type=int, default=DEBATES,
                        help="debates in the one-at-a-time run (its rate does not depend on how many)")
    parser.add_argument("--latency-ms", type=float, default=50.0)
    args = parser.parse_args()
    if args.single_debates < 2 or args.single_debates % 2:
        parser.error(f"--single-debates must be an even number of at least 2, not {args.single_debates}: each topic "
                     "is debated from both sides")
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores", flush=True)
    if args.only in (None, "server"):
        server, url = start_server(args.latency_ms)
        try:
            compare("server", {"backend": "litellm", "model": "hosted_vllm/bench", "api_base": url,
                               "concurrency": 64}, args.rounds, 800, args.single_debates)
        finally:
            server.terminate()
            server.wait()
    if args.only in (None, "embedded"):
        compare("embedded", {"backend": "transformers", "model": "embedded", "batch_size": DEBATES},
                args.rounds, args.max_tokens, args.single_debates)
    print(f"load average after: {os.getloadavg()[0]:.2f}", flush=True)


if __name__ == "__main__":
    main()
