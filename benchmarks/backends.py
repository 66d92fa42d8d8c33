"""Backend benchmarks: embedded-model generation (batched vs one at a time), scoring (chunked vs full logits), and
litellm-backend throughput against a local OpenAI-compatible server through ModelClient and the real store.

    .venv/bin/python benchmarks/backends.py [--quick]

Prints one line per figure. Scoring variants run in child processes so that each one's peak memory (max RSS) is
its own. Everything stays on this machine: the model is the embedded one (prepared on first use), the server is
tests/backends/fake_openai_server.py on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
ROOT = Path(__file__).resolve().parent.parent
SERVER = ROOT / "tests" / "backends" / "fake_openai_server.py"

TOPICS = ["the history of bread", "how tides work", "a lighthouse keeper", "why the sky is blue", "a chess opening",
          "the water cycle", "a rainy Tuesday", "volcanoes", "the first computer", "a cat who learns to swim",
          "the rules of cricket", "a recipe for soup", "the planet Mars", "honey bees", "an old bicycle", "jazz"]


def max_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def embedded_backend(**options):
    from synthloom.backends.base import ModelSpec
    from synthloom.backends.transformers.backend import create

    return create(ModelSpec(**options))


def bench_generation(count: int, max_tokens: int) -> None:
    from synthloom.backends.base import GenerateRequest

    backend = embedded_backend(batch_size=count)
    requests = [GenerateRequest(prompt=f"Here is a short paragraph about {t}:", max_tokens=max_tokens)
                for t in TOPICS[:count]]
    asyncio.run(backend.generate(requests[:1]))  # warm-up
    figures = {}
    for mode in ("one at a time", "batched"):
        started = time.perf_counter()
        if mode == "batched":
            responses = asyncio.run(backend.generate(requests))
        else:
            responses = [asyncio.run(backend.generate([r]))[0] for r in requests]
        elapsed = time.perf_counter() - started
        tokens = sum(r.completion_tokens for r in responses)
        figures[mode] = tokens / elapsed
        print(f"generation, embedded ({backend.dtype}), {mode:>13}: {tokens} tokens in {elapsed:6.1f} s = "
              f"{figures[mode]:6.1f} tokens/s", flush=True)
    print(f"generation speed-up, batched ({count} prompts) vs one at a time: "
          f"{figures['batched'] / figures['one at a time']:.1f}x", flush=True)


def score_requests(count: int):
    from synthloom.backends.base import ScoreRequest

    return [ScoreRequest(prefix=f"Question: write a few sentences about {TOPICS[i % len(TOPICS)]}.\nAnswer:",
                         continuation=" " + " ".join([TOPICS[(i + k) % len(TOPICS)] for k in range(12)]))
            for i in range(count)]


def score_child(variant: str, count: int, batch_size: int) -> None:
    """One scoring variant in this process; prints a JSON line with its figures."""
    import torch

    backend = embedded_backend(batch_size=batch_size)
    requests = score_requests(count)
    asyncio.run(backend.score(score_requests(1)))  # pages the weights in, so the baseline includes them
    baseline = max_rss_mib()
    started = time.perf_counter()
    if variant == "chunked":
        responses = asyncio.run(backend.score(requests))
        tokens = sum(len(r.logprobs) for r in responses)
    else:
        from synthloom.backends.scoring import score_span

        spans = sorted((score_span(backend.tokenizer, r, None) for r in requests), key=lambda s: len(s.input_ids))
        tokens = 0
        with torch.inference_mode():
            for start in range(0, len(spans), batch_size):
                batch = spans[start:start + batch_size]
                width = max(len(s.input_ids) for s in batch)
                ids = torch.tensor([s.input_ids + [0] * (width - len(s.input_ids)) for s in batch])
                mask = torch.tensor([[1] * len(s.input_ids) + [0] * (width - len(s.input_ids)) for s in batch])
                logprobs = backend.model(input_ids=ids, attention_mask=mask).logits.float().log_softmax(-1)
                for row, span in enumerate(batch):
                    positions = torch.arange(span.first, len(span.input_ids))
                    tokens += len(logprobs[row, positions - 1, ids[row, positions]].tolist())
    elapsed = time.perf_counter() - started
    print(json.dumps({"variant": variant, "samples_per_s": count / elapsed, "tokens": tokens,
                      "peak_mib": max_rss_mib(), "extra_mib": max_rss_mib() - baseline}))


def bench_scoring(count: int, batch_size: int) -> None:
    for variant in ("chunked", "full logits"):
        out = subprocess.run([sys.executable, __file__, "--score-child", variant, str(count), str(batch_size)],
                             check=True, capture_output=True, text=True).stdout
        figures = json.loads(out.strip().splitlines()[-1])
        print(f"scoring, embedded, {variant:>11}, batch {batch_size}: {figures['samples_per_s']:5.1f} samples/s, "
              f"{figures['tokens']} tokens, peak RSS {figures['peak_mib']:.0f} MiB "
              f"(+{figures['extra_mib']:.0f} MiB over the loaded model)", flush=True)


def start_server(latency_ms: float) -> tuple[subprocess.Popen, str]:
    server = subprocess.Popen([sys.executable, str(SERVER), "--latency-ms", str(latency_ms)],
                              stdout=subprocess.PIPE, text=True)
    port = int(server.stdout.readline())  # type: ignore[union-attr]
    return server, f"http://127.0.0.1:{port}/v1"


def bench_litellm(count: int, transport: str, concurrency: int) -> None:
    from synthloom.backends.base import ChatMessage, GenerateRequest, ModelSpec
    from synthloom.backends.litellm.backend import create
    from synthloom.budget import Budget
    from synthloom.model_client import ModelClient
    from synthloom.store.writer import StoreWriter

    server, url = start_server(latency_ms=5)
    try:
        backend = create(ModelSpec(backend="litellm", model="hosted_vllm/bench", api_base=url, transport=transport,
                                   concurrency=concurrency))
        requests = [GenerateRequest(messages=[ChatMessage(role="user", content=f"{transport} request {i}")])
                    for i in range(count)]
        with tempfile.TemporaryDirectory() as tmp:
            writer = StoreWriter(Path(tmp) / "bench.duckdb", "bench")
            writer.start()
            client = ModelClient("m", backend, "bench", writer, Budget())
            asyncio.run(client.generate([GenerateRequest(messages=[ChatMessage(role="user", content="warm")])]))
            started = time.perf_counter()
            responses = asyncio.run(client.generate(requests))
            elapsed = time.perf_counter() - started
            writer.close()
            with writer.connection() as con:
                logged, distinct = con.execute(
                    "SELECT count(*), count(DISTINCT request_hash) FROM model_calls WHERE agent = 'bench' "
                    "AND request LIKE ?", [f"%{transport} request%"]).fetchone()
    finally:
        server.kill()
    errors = sum(r.error is not None for r in responses)
    print(f"litellm backend, transport={transport}, concurrency {concurrency}, 5 ms server latency: {count} calls "
          f"in {elapsed:.2f} s = {count / elapsed:6.0f} requests/s through ModelClient; errors {errors}; "
          f"store rows {logged} ({distinct} distinct request hashes)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description="synthloom backend benchmarks")
    parser.add_argument("--quick", action="store_true", help="smaller workloads")
    parser.add_argument("--only", choices=["generation", "scoring", "litellm"])
    parser.add_argument("--score-child", nargs=3, metavar=("VARIANT", "COUNT", "BATCH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.score_child:
        score_child(args.score_child[0], int(args.score_child[1]), int(args.score_child[2]))
        return
    quick = args.quick
    if args.only in (None, "litellm"):
        bench_litellm(1000 if quick else 3000, "http", 32)
        bench_litellm(200 if quick else 500, "litellm", 32)
    if args.only in (None, "scoring"):
        bench_scoring(32 if quick else 64, 16)
    if args.only in (None, "generation"):
        bench_generation(8 if quick else 16, 16 if quick else 24)


if __name__ == "__main__":
    main()
