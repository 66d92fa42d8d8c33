"""Vision benchmarks: SIMA critic judgments per second batched against one at a time, and a campaign's peak memory
with 1,000 images.

Server: a local OpenAI-compatible server (tests/backends/fake_openai_server.py, its own process) answering each
request after `--latency-ms` (50), reached through the litellm backend with the photograph as a data URL, as an API
vision model is: `--server-items` critiques in one `generate` call (up to 64 in flight) and one request per call.
Tiny model: the tiny Llava of tests/backends/tiny_llava.py (random weights, built from a config) judges `--items`
answer pairs on scikit-image's photographs with the reference's critic prompt, greedy, `--max-tokens` new tokens:
once as one `generate` call (the backend batches `--batch-size` rows per forward pass, as the sima.critique agent
does), once one request per call. Memory: a SIMA campaign (basic.load_vision, sima.respond, sima.critique; replay
models, so that only the framework's own memory is measured) over `--images` distinct random 224x224 PNG images;
peak RSS is compared with the images' total size, which it must not grow with.

Usage: python benchmarks/vision.py [--only server|throughput|memory] [--items 16] [--images 1000].
Prints `ratio_server=<x>`, `ratio_tiny=<y>` and `peak_rss_mb=<z> images_mb=<w>`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
SERVER = REPO / "tests" / "backends" / "fake_openai_server.py"
sys.path.insert(0, str(REPO))


def critic_requests(items: int, photos: list, max_tokens: int) -> list:
    """`items` critic prompts as the sima.critique agent sends them: one photograph and the reference's prompt."""
    from synthloom.backends.base import ChatMessage, GenerateRequest
    from synthloom.plugins.sima.prompts import critic_prompt

    return [GenerateRequest(messages=[ChatMessage(role="user", images=[photos[i % len(photos)]], content=(
        critic_prompt(f"What is in photo {i}?", "A photograph.", f"Answer {i} one.", f"Answer {i} two.")))],
        max_tokens=max_tokens) for i in range(items)]


def batched_vs_alone(name: str, backend, requests: list) -> float:
    """Judgments/s with every request in one `generate` call (what the agent does with a batch) and one request per
    call; returns the ratio."""
    asyncio.run(backend.generate(requests[:1]))  # warm up: model load, connection pool
    started = time.perf_counter()
    batched = asyncio.run(backend.generate(requests))
    batched_s = time.perf_counter() - started
    started = time.perf_counter()
    alone = [asyncio.run(backend.generate([r]))[0] for r in requests]
    alone_s = time.perf_counter() - started
    assert all(r.error is None for r in batched + alone), [r.error for r in batched + alone if r.error][:1]
    items = len(requests)
    print(f"{name}: {items} judgments ({batched[0].prompt_tokens} prompt tokens), batched {items / batched_s:.2f}/s, "
          f"one at a time {items / alone_s:.2f}/s", flush=True)
    return alone_s / batched_s


def photos(folder: Path) -> list:
    from synthloom.images import load_image
    from tests.backends.tiny_llava import write_photos

    return [load_image(p, max_side=336) for p in write_photos(folder)]


def throughput(items: int, max_tokens: int, batch_size: int) -> float:
    """The tiny Llava on this CPU; the backend batches `batch_size` rows per forward pass."""
    from synthloom.backends.base import ModelSpec
    from synthloom.backends.transformers.backend import create
    from synthloom.plugins.sima.prompts import critic_prompt
    from tests.backends.tiny_llava import CORPUS, build_tiny_llava

    with tempfile.TemporaryDirectory() as tmp:
        # a tokenizer that makes the critic prompt as long as a real LLaVA tokenizer would (about 1,250 tokens)
        prompt = critic_prompt("What is in the photo?", "A photograph.", "Answer one.", "Answer two.")
        model = build_tiny_llava(Path(tmp) / "llava", corpus=[*CORPUS, prompt], vocab_size=1000)
        backend = create(ModelSpec(backend="transformers", model=str(model), batch_size=batch_size))
        requests = critic_requests(items, photos(Path(tmp) / "photos"), max_tokens)
        return batched_vs_alone(f"tiny llava, {max_tokens} new tokens", backend, requests)


def server_throughput(items: int, latency_ms: float) -> float:
    """A local OpenAI-compatible server answering after `latency_ms`, through the litellm backend (images as data
    URLs in the request, as to an API vision model); batched, up to 64 requests are in flight at once."""
    from synthloom.backends.base import ModelSpec
    from synthloom.backends.litellm.backend import create

    server = subprocess.Popen([sys.executable, str(SERVER), "--latency-ms", str(latency_ms)],
                              stdout=subprocess.PIPE, text=True)
    try:
        port = server.stdout.readline().strip()  # type: ignore[union-attr]
        backend = create(ModelSpec(backend="litellm", model="hosted_vllm/bench", api_base=f"http://127.0.0.1:{port}/v1",
                                   concurrency=64))
        with tempfile.TemporaryDirectory() as tmp:
            requests = critic_requests(items, photos(Path(tmp) / "photos"), 1024)
            return batched_vs_alone(f"server, {latency_ms:.0f} ms a request", backend, requests)
    finally:
        server.terminate()
        server.wait()


def memory(images: int) -> tuple[float, float]:
    """Run the campaign in a child process, so that its peak RSS is its own."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        total = _write_images(root / "images", images)
        (root / "prompts.jsonl").write_text("".join(
            json.dumps({"image": f"{i:04d}.png", "text": f"What is image {i}?", "ground_truth": "Noise."}) + "\n"
            for i in range(images)))
        replay = {"backend": "replay", "default": "The better AI generated response: [[1]]."}
        (root / "campaign.yaml").write_text(yaml.safe_dump({
            "name": "vision-memory", "seed": 0, "models": {"default": replay},
            "agents": [{"name": "load", "use": "basic.load_vision", "with": {"path": "prompts.jsonl",
                                                                             "images": "images"}},
                       {"name": "respond", "use": "sima.respond"}, {"name": "critique", "use": "sima.critique"}]}))
        # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent through fork and exec
        code = ("import sys, synthloom; s = synthloom.run_campaign(sys.argv[1], store=sys.argv[2]); "
                "assert s.agents['critique'].produced == 2 * int(sys.argv[3]), s.agents; "
                "print(next(l for l in open('/proc/self/status') if l.startswith('VmHWM')).split()[1])")
        started = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", code, str(root / "campaign.yaml"), str(root / "s.duckdb"),
                              str(images)], capture_output=True, text=True, check=True, cwd=REPO)
        elapsed = time.perf_counter() - started
    peak_mb = int(out.stdout.split()[-1]) / 1024
    print(f"campaign of {images} images ({total / 2**20:.0f} MB of PNG): {elapsed:.1f} s, peak RSS {peak_mb:.0f} MB")
    return peak_mb, total / 2**20


def _write_images(folder: Path, count: int) -> int:
    import numpy as np
    from PIL import Image

    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    total = 0
    for i in range(count):
        path = folder / f"{i:04d}.png"
        Image.fromarray(rng.integers(0, 256, (224, 224, 3), dtype=np.uint8)).save(path)
        total += path.stat().st_size
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", choices=["server", "throughput", "memory"])
    parser.add_argument("--items", type=int, default=16)
    parser.add_argument("--max-tokens", type=int, default=128,
                        help="new tokens a critique (about the length of the reference's two worked judgments)")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--images", type=int, default=1000)
    parser.add_argument("--server-items", type=int, default=128)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    args = parser.parse_args()
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores", flush=True)
    if args.only in (None, "server"):
        print(f"ratio_server={server_throughput(args.server_items, args.latency_ms):.2f}", flush=True)
    if args.only in (None, "throughput"):
        print(f"ratio_tiny={throughput(args.items, args.max_tokens, args.batch_size):.2f}", flush=True)
    if args.only in (None, "memory"):
        peak, total = memory(args.images)
        print(f"peak_rss_mb={peak:.0f} images_mb={total:.0f}")


if __name__ == "__main__":
    main()
