"""Orchestration overhead: N items through generate -> judge -> filter with a replay backend that answers
instantly, every message and model call persisted to the DuckDB store.

The same workload as ../shared/bench/distilabel_overhead.py (distilabel 1.5), so the two can be compared in one
run on one machine. Usage: python benchmarks/overhead.py N [--distilabel PYTHON]. With --distilabel, the peer
benchmark runs right after ours, under the given interpreter (a venv with distilabel==1.5.3 installed), and the
ratio is printed. Ends with a line `items_per_s=<number>`.

`--items 1000000` measures memory at scale instead: each size of 10k, 100k, ... up to the given count runs in its
own process, which reports its peak RSS and items/s; then the largest finished campaign is run again (a resume with
nothing left to do) and timed.
"""

from __future__ import annotations

import argparse
import importlib
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
# What a run imports on first use (the CLI's start stays fast that way); the peer benchmark imports distilabel
# before it starts its clock, so both measure orchestration, not the loading of modules.
RUN_IMPORTS = ("duckdb", "numpy", "yaml", "synthloom.campaign", "synthloom.runtime", "synthloom.executors",
               "synthloom.store.campaign_store", "synthloom.store.writer", "synthloom.exporters", "synthloom.runner",
               "synthloom.backends.replay")

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


def write_workload(directory: Path, n: int) -> Path:
    prompts = directory / "prompts.jsonl"
    with prompts.open("w") as out:
        for i in range(n):
            out.write(json.dumps({"instruction": f"Write item number {i} about topic {i % 17}."}) + "\n")
    campaign_file = directory / "campaign.yaml"
    campaign_file.write_text(CAMPAIGN.replace("PROMPTS", str(prompts)))
    return campaign_file


def run_campaign_timed(campaign_file: Path, store: Path, n: int, *, fresh: bool = True) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of the campaign, the peak taken before the checks that read the store back (a
    count over the typed view of a million messages costs DuckDB more memory than the campaign did)."""
    import synthloom
    from synthloom.registry.contributions import build_registry
    from synthloom.store import query

    build_registry()  # plugin imports once, outside the timing: this measures orchestration
    for module in RUN_IMPORTS:  # as the peer imports distilabel before its clock starts
        importlib.import_module(module)
    started = time.perf_counter()
    summary = synthloom.run_campaign(campaign_file, store=store)
    elapsed = time.perf_counter() - started
    peak = peak_rss_mib()
    assert summary.outcome == "finished", summary
    if fresh:
        kept = query(store, "SELECT count(*) FROM basic_judged WHERE agent = 'keep'")[1][0][0]
        calls = query(store, "SELECT count(*) FROM model_calls")[1][0][0]
        assert kept == n and calls == 2 * n, (kept, calls)
    return elapsed, peak


def run_ours(n: int) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        return run_campaign_timed(write_workload(Path(tmp), n), Path(tmp) / "store.duckdb", n)


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(n: int, directory: Path, resume: bool) -> None:
    """One size, in its own process so that its peak RSS is its own."""
    elapsed, peak = run_campaign_timed(directory / "campaign.yaml", directory / "store.duckdb", n, fresh=not resume)
    print(json.dumps({"items": n, "wall_s": elapsed, "peak_rss_mib": peak, "resume": resume}))


def scale(largest: int) -> None:
    sizes = [n for n in (10_000, 100_000, 1_000_000, 10_000_000) if n < largest] + [largest]
    with tempfile.TemporaryDirectory(dir=REPO / "runs" if (REPO / "runs").is_dir() else None) as tmp:
        for n in sizes:
            directory = Path(tmp) / str(n)
            directory.mkdir()
            write_workload(directory, n)
            for resume in (False, True) if n == largest else (False,):
                result = subprocess.run([sys.executable, __file__, "--child", str(n), str(directory)]
                                        + (["--resume"] if resume else []), capture_output=True, text=True)
                if result.returncode != 0:
                    raise SystemExit(f"size {n} failed:\n{result.stderr[-3000:]}")
                figures = json.loads(result.stdout.strip().splitlines()[-1])
                what = "resume of the finished campaign" if resume else "run"
                rate = "" if resume else f", {n / figures['wall_s']:.0f} items/s"
                print(f"items={n:>9} {what}: {figures['wall_s']:.1f} s{rate}, peak RSS {figures['peak_rss_mib']:.0f} "
                      "MiB", flush=True)


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
    parser.add_argument("--items", type=int, help="measure peak RSS at 10k, 100k, ... up to this many items")
    parser.add_argument("--child", nargs=2, metavar=("N", "DIR"), help=argparse.SUPPRESS)
    parser.add_argument("--resume", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(int(args.child[0]), Path(args.child[1]), args.resume)
        return
    if args.items:
        scale(args.items)
        return
    elapsed, peak = run_ours(args.n)
    ours = args.n / elapsed
    print(f"synthloom items={args.n} kept={args.n} wall_s={elapsed:.2f} peak_rss_mib={peak:.0f}")
    if args.distilabel:
        peer = run_peer(args.distilabel, args.n)
        if peer:
            print(f"ratio synthloom/distilabel = {ours / peer:.1f}x")
    print(f"items_per_s={ours:.1f}")


if __name__ == "__main__":
    main()
