"""Orchestration overhead: N items through generate -> judge -> filter with a replay backend that answers
instantly, every message and model call persisted to the DuckDB store.

The same workload as ../shared/bench/distilabel_overhead.py (distilabel 1.5), so the two can be compared in one
run on one machine. Usage: python benchmarks/overhead.py N [--distilabel PYTHON]. With --distilabel, the peer
benchmark runs right after ours, under the given interpreter (a venv with distilabel==1.5.3 installed), and the
ratio is printed. Ends with a line `items_per_s=<number>`.
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PEER = REPO.parent / "shared" / "bench" / "distilabel_overhead.py"

CAMPAIGN = """
name: overhead
models:
  default:
    backend: replay
    rules:
      - {match: "^Rate the response", reply: "judged"}
      - {match: "(?s)^(.{0,40})", reply: "echo: \\\\1"}
agents:
  - {name: load, use: basic.load_jsonl, with: {path: PROMPTS}}
  - {name: generate, use: basic.generate, batch_size: 50}
  - {name: judge, use: basic.judge, batch_size: 50}
  - {name: keep, use: basic.filter, batch_size: 50, with: {max_response_chars: 59}}
"""


def run_ours(n: int) -> tuple[float, int]:
    from synthloom.campaign import load_campaign
    from synthloom.registry.contributions import build_registry
    from synthloom.runtime import Runtime
    from synthloom.store import query

    with tempfile.TemporaryDirectory() as tmp:
        prompts = Path(tmp) / "prompts.jsonl"
        prompts.write_text("".join(json.dumps({"instruction": f"Write item number {i} about topic {i % 17}."}) + "\n"
                                   for i in range(n)))
        campaign_file = Path(tmp) / "campaign.yaml"
        campaign_file.write_text(CAMPAIGN.replace("PROMPTS", str(prompts)))
        registry = build_registry()
        started = time.perf_counter()
        campaign, agents = load_campaign(campaign_file, registry)
        summary = Runtime(campaign, agents, registry, store_path=str(Path(tmp) / "store.duckdb")).run()
        elapsed = time.perf_counter() - started
        assert summary["status"] == "finished", summary
        kept = query(Path(tmp) / "store.duckdb",
                     "SELECT count(*) FROM basic_judged WHERE agent = 'keep'")[1][0][0]
        calls = query(Path(tmp) / "store.duckdb", "SELECT count(*) FROM model_calls")[1][0][0]
        assert kept == n and calls == 2 * n, (kept, calls)
    return elapsed, kept


def run_peer(python: str, n: int) -> float | None:
    result = subprocess.run([python, str(PEER), str(n)], capture_output=True, text=True, timeout=3600)
    found = re.search(r"items_per_s=([\d.]+)", result.stdout)
    if not found:
        print(f"distilabel run failed: {result.stderr[-2000:]}", file=sys.stderr)
        return None
    print(result.stdout.strip().splitlines()[-1])
    return float(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, nargs="?", default=5000)
    parser.add_argument("--distilabel", help="Python interpreter of a venv with distilabel==1.5.3")
    args = parser.parse_args()
    elapsed, kept = run_ours(args.n)
    ours = args.n / elapsed
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"synthloom items={args.n} kept={kept} wall_s={elapsed:.2f} peak_rss_mib={peak_mib:.0f}")
    if args.distilabel:
        peer = run_peer(args.distilabel, args.n)
        if peer:
            print(f"ratio synthloom/distilabel = {ours / peer:.1f}x")
    print(f"items_per_s={ours:.1f}")


if __name__ == "__main__":
    main()
