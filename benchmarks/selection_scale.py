"""`synthloom selection compare` on a pool of a million rows: wall time, CPU time and peak memory.

    python benchmarks/selection_scale.py                        # 1,000,000 rows, length + random, budget 10,000
    python benchmarks/selection_scale.py --rows 200000 --selector length --json figures.json

The pool is synthetic ShareGPT rows (a query of 4-16 words and a response of 5-60, drawn from a 2,000-word
vocabulary), written once to a temporary JSONL file. The command runs in its own process, as a user runs it (the
embedded model's tokenizer, without its weights). The command starts processes of its own (a helper that loads the
tokenizer with transformers, and workers that read the pool), so two peaks are given: `peak_rss_mib`, the largest
single process (ru_maxrss of the children), and `peak_tree_rss_mib`, the largest sum of the RSS of the command and
all its descendants at any moment, sampled every 50 ms from /proc (shared pages are counted in every process that
maps them, so it errs high). The target of issue 14: token length and random selection on 1M rows in under 2
minutes and 1 GB.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def write_pool(path: Path, rows: int, seed: int = 0) -> None:
    rng = random.Random(seed)
    vocabulary = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 9)))
                  for _ in range(2000)]
    with path.open("w", encoding="utf-8") as out:
        for _ in range(rows):
            query = " ".join(rng.choices(vocabulary, k=rng.randint(4, 16)))
            response = " ".join(rng.choices(vocabulary, k=rng.randint(5, 60)))
            out.write(json.dumps({"conversations": [{"from": "human", "value": query},
                                                    {"from": "gpt", "value": response}]}) + "\n")


def tree_rss(root: int) -> int:
    """Bytes resident in `root` and all its descendants now (Linux /proc; 0 elsewhere)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            fields = stat[stat.rindex(")") + 2:].split()
            children.setdefault(int(fields[1]), []).append(int(entry.name))
            rss[int(entry.name)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, IndexError):
            continue
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack += children.get(pid, [])
    return total


def run_sampled(command: list[str]) -> int:
    """Run `command`, sampling the RSS of its process tree; the largest sample, in bytes."""
    process = subprocess.Popen(command, cwd=ROOT)
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.05):
            peak[0] = max(peak[0], tree_rss(process.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    code = process.wait()
    done.set()
    sampler.join()
    if code:
        raise subprocess.CalledProcessError(code, command)
    return peak[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--budget", type=int, default=10_000)
    parser.add_argument("--selector", action="append", default=None, help="default: length and random")
    parser.add_argument("--model", default="embedded", help="whose tokenizer counts tokens")
    parser.add_argument("--workers", type=int, default=None, help="the command's --workers (default: its own)")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args()
    selectors = args.selector or ["length", "random"]
    with tempfile.TemporaryDirectory(prefix="selection-scale-") as scratch:
        pool = Path(scratch) / "pool.jsonl"
        started = time.perf_counter()
        write_pool(pool, args.rows)
        print(f"wrote {args.rows:,} rows ({pool.stat().st_size / 2**20:.0f} MiB) in "
              f"{time.perf_counter() - started:.0f} s", file=sys.stderr)
        command = [sys.executable, "-m", "synthloom.cli.main", "selection", "compare", "--data", str(pool),
                   "--budget", str(args.budget), "--out", str(Path(scratch) / "table.json"), "--model", args.model,
                   *[flag for name in selectors for flag in ("--selector", name)],
                   *(["--workers", str(args.workers)] if args.workers else [])]
        load = os.getloadavg()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        tree_peak = run_sampled(command)
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        table = json.loads((Path(scratch) / "table.json").read_text())
    figures = {"rows": args.rows, "budget": args.budget, "selectors": selectors, "wall_s": round(wall, 1),
               "cpu_s": round(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 1),
               "peak_rss_mib": round(after.ru_maxrss / 1024), "peak_tree_rss_mib": round(tree_peak / 2**20),
               "load_before": [round(x, 2) for x in load],
               "load_after": [round(x, 2) for x in os.getloadavg()], "cpus": os.cpu_count(), "model": args.model,
               "duplicates": table["duplicates"], "picked": {k: v["picked"] for k, v in table["selectors"].items()}}
    print(json.dumps(figures, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
