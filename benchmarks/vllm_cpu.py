"""vLLM's CPU build against transformers on the embedded model (Gemma 3 270M), and the vllm backend's overhead.

    .venv/bin/python benchmarks/vllm_cpu.py [--dtype float32] [--repeats 3] [--ifd-n 64] [--threads N] [--json out.json]

Needs vLLM's environment (bash scripts/setup_vllm.sh). Three engines run side by side, each busy only while
measured: the vllm backend's engine (its worker process), a raw `vllm.LLM` in a helper process of vLLM's
environment (this file, `--raw`), and the transformers backend in this process. Figures, each the median of
`--repeats` runs, measured alternately so that the machine's load hits every path alike:

- generation tokens/s, 16 prompts x 32 tokens batched and 4 prompts one at a time, greedy and sampled
  (temperature 0.8, and with top_p 0.9), vllm backend vs transformers backend;
- overhead: the vllm backend against raw `LLM.generate` on the same token ids with the same SamplingParams;
- IFD samples/s (Cherry's rules: `compat: cherry`, max_length 512, the first `--ifd-n` samples of
  tests/fixtures/alpaca) through the vllm backend, the transformers backend, and a re-creation of Cherry LLM's
  per-sample loop (tests/selection/reference.py), with the largest relative IFD difference against that loop.

The machine's load average is printed before and after: on a shared machine, quote the ratios of one run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent
ALPACA = ROOT / "tests" / "fixtures" / "alpaca" / "cherry_alpaca_5_percent.json"
WORKER = ROOT / "core" / "backends" / "vllm" / "worker.py"
TOPICS = ["the history of bread", "how tides work", "a lighthouse keeper", "why the sky is blue", "a chess opening",
          "the water cycle", "a rainy Tuesday", "volcanoes", "the first computer", "a cat who learns to swim",
          "the rules of cricket", "a recipe for soup", "the planet Mars", "honey bees", "an old bicycle", "jazz"]
MAX_LENGTH = 512
SAMPLINGS = {"greedy": {"temperature": 0.0}, "sampled": {"temperature": 0.8, "seed": 1},
             "sampled top_p": {"temperature": 0.8, "top_p": 0.9, "seed": 1}}


# -- the raw side: a plain vllm.LLM in vLLM's environment (no synthloom imported) --------------------------------

def raw_helper(model: str, engine_args: dict[str, Any]) -> None:
    """Answer JSON lines `{"prompts": [[ids]], "params": [{SamplingParams keywords}]}` with the seconds
    `LLM.generate` took (SamplingParams included) and the tokens it made. vLLM's messages go to stderr."""
    import importlib.util

    protocol = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    spec = importlib.util.spec_from_file_location("synthloom_vllm_worker", WORKER)
    worker = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(worker)
    import vllm

    llm = vllm.LLM(model=model, **worker.cpu_defaults(engine_args, in_process=True))
    protocol.write("ready\n")
    protocol.flush()
    for line in sys.stdin:
        job = json.loads(line)
        started = time.perf_counter()
        params = [vllm.SamplingParams(**p) for p in job["params"]]
        outputs = llm.generate([{"prompt_token_ids": ids} for ids in job["prompts"]], params, use_tqdm=False)
        seconds = time.perf_counter() - started
        tokens = sum(len(o.token_ids) for out in outputs for o in out.outputs)
        protocol.write(json.dumps({"seconds": seconds, "tokens": tokens}) + "\n")
        protocol.flush()
    llm.llm_engine.engine_core.shutdown()


class RawEngine:
    def __init__(self, python: str, model: str, engine_args: dict[str, Any], env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [python, __file__, "--raw", model, json.dumps(engine_args)], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env={**os.environ, **env})
        if self.process.stdout.readline().strip() != "ready":
            raise RuntimeError(f"the raw vLLM helper failed (exit {self.process.wait()})")

    def generate(self, prompts: list[list[int]], params: list[dict[str, Any]]) -> tuple[float, int]:
        self.process.stdin.write(json.dumps({"prompts": prompts, "params": params}) + "\n")
        self.process.stdin.flush()
        reply = json.loads(self.process.stdout.readline())
        return reply["seconds"], reply["tokens"]

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=60)


# -- measuring --------------------------------------------------------------------------------------------------

def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def timed(call: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = call()
    return time.perf_counter() - started, result


def alternate(paths: dict[str, Callable[[], tuple[float, int]]], repeats: int) -> dict[str, dict[str, float]]:
    """Each path `repeats` times, in turns; per path the median seconds and tokens/s of its runs."""
    runs: dict[str, list[tuple[float, int]]] = {name: [] for name in paths}
    for _ in range(repeats):
        for name, run in paths.items():
            runs[name].append(run())
    out = {}
    for name, results in runs.items():
        seconds = statistics.median(s for s, _ in results)
        tokens = statistics.median(t for _, t in results)
        out[name] = {"seconds": seconds, "tokens": tokens, "tokens_per_s": tokens / seconds}
    return out


def requests_for(prompts: list[str], sampling: dict[str, Any], max_tokens: int) -> list[Any]:
    from synthloom.backends.base import GenerateRequest

    return [GenerateRequest(prompt=p, max_tokens=max_tokens, **sampling) for p in prompts]


def backend_run(backend: Any, requests: list[Any], single: bool) -> Callable[[], tuple[float, int]]:
    def run() -> tuple[float, int]:
        if single:
            seconds, responses = timed(lambda: [asyncio.run(backend.generate([r]))[0] for r in requests])
        else:
            seconds, responses = timed(lambda: asyncio.run(backend.generate(requests)))
        assert all(r.error is None for r in responses), [r.error for r in responses if r.error]
        return seconds, sum(r.completion_tokens for r in responses)
    return run


def bench_generation(vllm_backend: Any, transformers_backend: Any, raw: RawEngine, repeats: int) -> dict[str, Any]:
    from synthloom.backends.chat_template import prompt_token_ids
    from synthloom.backends.vllm.wire import sampling_kwargs

    prompts = [f"Here is a short paragraph about {t}:" for t in TOPICS]
    figures: dict[str, Any] = {}
    for label, sampling in SAMPLINGS.items():
        for shape, count, single in (("batched", 16, False), ("single", 4, True)):
            requests = requests_for(prompts[:count], sampling, 32)
            paths = {"vllm": backend_run(vllm_backend, requests, single),
                     "transformers": backend_run(transformers_backend, requests, single)}
            if label == "greedy" and shape == "batched":
                ids = [prompt_token_ids(vllm_backend.tokenizer, r)[0] for r in requests]
                params = [{k: v for k, v in sampling_kwargs(r).items() if v is not None} for r in requests]
                paths["raw LLM.generate"] = lambda: raw.generate(ids, params)
            result = alternate(paths, repeats)
            result["vllm/transformers"] = result["vllm"]["tokens_per_s"] / result["transformers"]["tokens_per_s"]
            if "raw LLM.generate" in result:
                result["backend overhead"] = result["vllm"]["seconds"] / result["raw LLM.generate"]["seconds"] - 1
            figures[f"{label} {shape}"] = result
            line = (f"{label:>13} {shape:>7}: vllm {result['vllm']['tokens_per_s']:7.1f} tok/s | transformers "
                    f"{result['transformers']['tokens_per_s']:6.1f} tok/s | x{result['vllm/transformers']:.2f}")
            if "backend overhead" in result:
                line += (f" | raw LLM.generate {result['raw LLM.generate']['tokens_per_s']:.1f} tok/s, backend "
                         f"overhead {100 * result['backend overhead']:+.1f}%")
            print(line, flush=True)
    return figures


def bench_ifd(vllm_backend: Any, transformers_backend: Any, n: int, repeats: int) -> dict[str, Any]:
    from synthloom.plugins.selection.parsing import AlpacaItem
    from synthloom.plugins.selection.scoring import ScoringOptions, score_items

    sys.path.insert(0, str(ROOT))  # the reference loop lives with the tests, outside the installed package
    from tests.selection.reference import cherry_ifd

    rows = [r for r in json.loads(ALPACA.read_text(encoding="utf-8")) if r["output"]][:n]
    items = [AlpacaItem(r["instruction"], r.get("input", ""), r["output"]) for r in rows]
    options = ScoringOptions(compat="cherry", max_length=MAX_LENGTH)
    model = transformers_backend.model
    scores: dict[str, list[float | None]] = {}

    def ours(backend: Any, name: str) -> Callable[[], tuple[float, int]]:
        def run() -> tuple[float, int]:
            seconds, result = timed(lambda: asyncio.run(score_items(items, options, backend.score,
                                                                    backend.tokenizer)))
            scores[name] = [s.fields()["ifd"] for s in result]
            return seconds, len(items)
        return run

    def reference() -> tuple[float, int]:
        seconds, result = timed(lambda: cherry_ifd(transformers_backend.tokenizer, model, items, MAX_LENGTH))
        scores["cherry loop"] = [None if s != s else s for s in result]
        return seconds, len(items)

    for warm in (ours(vllm_backend, "vllm"), ours(transformers_backend, "transformers")):
        warm()
    result = alternate({"vllm": ours(vllm_backend, "vllm"), "transformers": ours(transformers_backend, "transformers"),
                        "cherry loop": reference}, repeats)
    figures: dict[str, Any] = {name: {"samples_per_s": r["tokens_per_s"], "seconds": r["seconds"]}
                               for name, r in result.items()}
    pairs = [(a, b) for a, b in zip(scores["vllm"], scores["cherry loop"]) if a is not None and b is not None]
    figures["vllm/cherry loop"] = figures["vllm"]["samples_per_s"] / figures["cherry loop"]["samples_per_s"]
    figures["max relative IFD difference vs cherry loop"] = max(abs(a - b) / abs(b) for a, b in pairs)
    print(f"IFD ({len(items)} samples, compat cherry): vllm {figures['vllm']['samples_per_s']:.2f} samples/s | "
          f"transformers batched {figures['transformers']['samples_per_s']:.2f} | Cherry loop "
          f"{figures['cherry loop']['samples_per_s']:.2f} | vllm/Cherry x{figures['vllm/cherry loop']:.2f} | max "
          f"relative IFD difference {figures['max relative IFD difference vs cherry loop']:.1e}", flush=True)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dtype", default="float32", help="both backends' dtype")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--ifd-n", type=int, default=64)
    parser.add_argument("--only", choices=["generation", "ifd"], default=None)
    parser.add_argument("--threads", type=int, default=len(os.sched_getaffinity(0)),
                        help="torch threads of the transformers side (and so of the Cherry loop); default every "
                             "core, as vLLM's engine is bound to (the backend's own default keeps one core free)")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    parser.add_argument("--raw", nargs=2, metavar=("MODEL", "ENGINE_ARGS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.raw:
        raw_helper(args.raw[0], json.loads(args.raw[1]))
        return

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from synthloom.backends.base import ModelSpec
    from synthloom.backends.transformers.backend import create as create_transformers
    from synthloom.backends.vllm.backend import create as create_vllm
    from synthloom.backends.vllm.options import engine_args

    figures: dict[str, Any] = {"load average before": load_average(), "cpus": os.cpu_count()}
    print(f"load average before: {figures['load average before']}", flush=True)
    vllm_backend = create_vllm(ModelSpec(backend="vllm", model="embedded", dtype=args.dtype, max_model_len=1024))
    figures["vllm load s"], info = timed(vllm_backend.engine.ensure_started)
    transformers_backend = create_transformers(ModelSpec(model="embedded", dtype=args.dtype, batch_size=16,
                                                         threads=args.threads))
    figures["transformers threads"] = args.threads
    raw = None
    try:
        if args.only in (None, "generation"):
            key = vllm_backend.engine.key
            raw = RawEngine(key.python, key.model, engine_args(vllm_backend.options), dict(key.env))
            figures["generation"] = bench_generation(vllm_backend, transformers_backend, raw, args.repeats)
            raw.close()
            raw = None
        if args.only in (None, "ifd"):
            figures["ifd"] = bench_ifd(vllm_backend, transformers_backend, args.ifd_n, args.repeats)
    finally:
        if raw is not None:
            raw.process.kill()
        vllm_backend.close()
        transformers_backend.close()
    figures["load average after"] = load_average()
    figures["vllm"] = info
    print(f"load average after: {figures['load average after']}; vLLM {info['vllm_version']} {info['dtype']}, "
          f"engine loaded in {figures['vllm load s']:.0f} s", flush=True)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
