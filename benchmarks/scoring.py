"""IFD throughput and peak memory: our batched scorer against a re-creation of Cherry LLM's per-sample loop.

    python benchmarks/scoring.py                                   # 200 samples, float32, embedded model
    python benchmarks/scoring.py --dtypes bfloat16,float32 --model DIR --json figures.json

Both paths score the same Alpaca samples (the first N of tests/fixtures/alpaca, non-empty outputs) with the
embedded model by Cherry's rules (`--compat cherry`: Alpaca template, max_length 512). The reference loop runs two
separate full forward passes per sample with full-vocabulary logits, as `cherry_seletion/data_analysis.py` does
(see `tests/selection/reference.py`). Each path runs in its own process, so that its peak memory (VmHWM,
reset after the model is loaded; on a GPU, torch's peak allocation) is its own, and each scores 8 samples untimed
first. The IFDs of the two paths are compared sample by sample; with several dtypes, the reference loop's own IFDs
are also compared across dtypes, which shows how much of a difference is precision rather than method.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Optional

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "fixtures" / "alpaca" / "cherry_alpaca_5_percent.json"
MAX_LENGTH = 512
WARMUP = 8


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")


def _reset_peak() -> None:
    """Peaks measured afterwards are the scoring's own: Linux resets VmHWM when 5 is written to clear_refs."""
    import torch

    Path("/proc/self/clear_refs").write_text("5")
    if torch.cuda.is_available():
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()


def samples(n: int) -> list[Any]:
    from synthloom.plugins.selection.parsing import AlpacaItem

    rows = [r for r in json.loads(DATA.read_text(encoding="utf-8")) if r["output"]][:n]
    return [AlpacaItem(r["instruction"], r.get("input", ""), r["output"]) for r in rows]


Scorer = Callable[[list[Any]], list[Optional[float]]]


def load_ours(model: str, dtype: str, batch_size: int) -> Scorer:
    from synthloom.backends.base import ModelSpec
    from synthloom.backends.transformers.backend import create
    from synthloom.plugins.selection.scoring import ScoringOptions, score_items

    backend = create(ModelSpec(model=model, dtype=dtype, batch_size=batch_size))
    options = ScoringOptions(compat="cherry", max_length=MAX_LENGTH)

    def score(items: list[Any]) -> list[float | None]:
        scores = asyncio.run(score_items(items, options, backend.score, backend.tokenizer))
        return [s.fields()["ifd"] for s in scores]

    return score


def load_reference(model_name: str, dtype: str) -> Scorer:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from synthloom.backends.transformers.backend import resolve_model_path

    sys.path.insert(0, str(ROOT))  # the reference loop lives with the tests, outside the installed package
    from tests.selection.reference import cherry_ifd

    path = resolve_model_path(model_name)
    tokenizer = AutoTokenizer.from_pretrained(path)
    model = AutoModelForCausalLM.from_pretrained(path, dtype=getattr(torch, dtype)).eval()
    model.to("cuda" if torch.cuda.is_available() else "cpu")

    def score(items: list[Any]) -> list[float | None]:
        return [None if math.isnan(s) else s for s in cherry_ifd(tokenizer, model, items, MAX_LENGTH)]

    return score


def worker(path: str, model: str, dtype: str, n: int, batch_size: int, out: Path) -> None:
    import torch

    items = samples(n)
    score = load_ours(model, dtype, batch_size) if path == "ours" else load_reference(model, dtype)
    score(items[:WARMUP])  # first calls pay for kernel selection and lazy CUDA loading: time neither path with them
    _reset_peak()
    started = time.perf_counter()
    scores = score(items)
    seconds = time.perf_counter() - started
    gpu = torch.cuda.is_available()
    out.write_text(json.dumps({
        "path": path, "dtype": dtype, "samples": len(items), "seconds": seconds,
        "samples_per_s": len(items) / seconds, "peak_rss_mb": _status_kb("VmHWM") / 1024,
        "peak_gpu_mb": torch.cuda.max_memory_allocated() / 2**20 if gpu else None,
        "device": torch.cuda.get_device_name() if gpu else "cpu", "threads": torch.get_num_threads(),
        "scores": scores,
    }))


def measure(path: str, model: str, dtype: str, n: int, batch_size: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "result.json"
        subprocess.run([sys.executable, __file__, "--worker", path, "--model", model, "--dtypes", dtype,
                        "--n", str(n), "--batch-size", str(batch_size), "--result", str(out)], check=True,
                       env={**os.environ, "HF_HUB_OFFLINE": "1"})
        return json.loads(out.read_text())


def compare(ours: list[float | None], theirs: list[float | None]) -> dict[str, Any]:
    both = [(a, b) for a, b in zip(ours, theirs) if a is not None and b is not None]
    worst = max((abs(a - b) / abs(b) for a, b in both), default=0.0)
    return {"compared": len(both), "missing_in_one_only": sum((a is None) != (b is None) for a, b in zip(ours, theirs)),
            "max_relative_difference": worst, "within_1e-3": worst <= 1e-3}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--model", default="embedded", help="`embedded` or a model directory")
    parser.add_argument("--dtypes", default="float32", help="comma-separated; ours vs the reference in each")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--reference-n", type=int, default=None, help="score fewer samples in the slow loop")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    parser.add_argument("--worker", choices=["ours", "reference"], help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.model, args.dtypes, args.n, args.batch_size, args.result)
        return
    report: list[dict[str, Any]] = []
    reference_scores: dict[str, list[float | None]] = {}
    for dtype in args.dtypes.split(","):
        ours = measure("ours", args.model, dtype, args.n, args.batch_size)
        theirs = measure("reference", args.model, dtype, args.reference_n or args.n, args.batch_size)
        row = {"dtype": dtype, "ours": {k: v for k, v in ours.items() if k != "scores"},
               "reference": {k: v for k, v in theirs.items() if k != "scores"},
               "speedup": ours["samples_per_s"] / theirs["samples_per_s"],
               **compare(ours["scores"], theirs["scores"])}
        report.append(row)
        reference_scores[dtype] = theirs["scores"]
        peak = "peak_gpu_mb" if ours["peak_gpu_mb"] is not None else "peak_rss_mb"
        print(f"{ours['device']} {dtype}: ours {ours['samples_per_s']:.2f} samples/s, {peak} {ours[peak]:.0f} | "
              f"reference loop {theirs['samples_per_s']:.2f} samples/s, {peak} {theirs[peak]:.0f} | "
              f"speedup {row['speedup']:.2f}x | IFDs compared {row['compared']}, max relative difference "
              f"{row['max_relative_difference']:.2e}", flush=True)
    if len(reference_scores) > 1:
        (low, low_scores), (high, high_scores) = list(reference_scores.items())[:2]
        floor = compare(low_scores, high_scores)["max_relative_difference"]
        report.append({"reference_across_dtypes": f"{low} vs {high}", "max_relative_difference": floor})
        print(f"reference loop, {low} vs {high}: max relative difference {floor:.2e}")
    if args.json:
        args.json.write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
