"""`synthloom selection compare` on a pool of a million rows: wall time, CPU time and peak memory.

    python benchmarks/selection_scale.py                        # 1,000,000 rows, length + random, budget 10,000
    python benchmarks/selection_scale.py --rows 200000 --selector length --json figures.json

The pool is synthetic ShareGPT rows (a query of 4-16 words and a response of 5-60, drawn from a 2,000-word
vocabulary), written once to a temporary JSONL file. The command runs in its own process, as a user runs it (the
embedded model's tokenizer, without its weights), so that its peak RSS (the child's ru_maxrss) is its own. The
target of issue 14: token length and random selection on 1M rows in under 2 minutes and 1 GB.
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--budget", type=int, default=10_000)
    parser.add_argument("--selector", action="append", default=None, help="default: length and random")
    parser.add_argument("--model", default="embedded", help="whose tokenizer counts tokens")
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
                   *[flag for name in selectors for flag in ("--selector", name)]]
        load = os.getloadavg()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run(command, check=True, cwd=ROOT)
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        table = json.loads((Path(scratch) / "table.json").read_text())
    figures = {"rows": args.rows, "budget": args.budget, "selectors": selectors, "wall_s": round(wall, 1),
               "cpu_s": round(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 1),
               "peak_rss_mib": round(after.ru_maxrss / 1024), "load_before": [round(x, 2) for x in load],
               "load_after": [round(x, 2) for x in os.getloadavg()], "cpus": os.cpu_count(),
               "duplicates": table["duplicates"], "picked": {k: v["picked"] for k, v in table["selectors"].items()}}
    print(json.dumps(figures, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
