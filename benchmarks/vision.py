"""Vision benchmarks: SIMA critic judgments per second batched against one at a time, and a campaign's peak memory
with 1,000 images.

Throughput: the tiny Llava of tests/backends/tiny_llava.py (random weights, built from a config) judges `--items`
answer pairs on scikit-image's photographs with the reference's critic prompt, greedy, `--max-tokens` new tokens:
once as one `generate` call (the backend batches `--batch-size` rows per forward pass, as the sima.critique agent
does), once one request per call. Memory: a SIMA campaign (basic.load_vision, sima.respond, sima.critique; replay
models, so that only the framework's own memory is measured) over `--images` distinct random 224x224 PNG images;
peak RSS is compared with the images' total size, which it must not grow with.

Usage: python benchmarks/vision.py [--only throughput|memory] [--items 16] [--images 1000].
Ends with `ratio_tiny=<x>` and `peak_rss_mb=<y> images_mb=<z>`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def throughput(items: int, max_tokens: int, batch_size: int) -> float:
    from synthloom.backends.base import ChatMessage, GenerateRequest, ModelSpec
    from synthloom.backends.transformers.backend import create
    from synthloom.images import load_image
    from synthloom.plugins.sima.prompts import critic_prompt
    from tests.backends.tiny_llava import build_tiny_llava, write_photos

    with tempfile.TemporaryDirectory() as tmp:
        model = build_tiny_llava(Path(tmp) / "llava")
        photos = [load_image(p, max_side=336) for p in write_photos(Path(tmp) / "photos")]
        backend = create(ModelSpec(backend="transformers", model=str(model), batch_size=batch_size))
        requests = [GenerateRequest(messages=[ChatMessage(role="user", images=[photos[i % len(photos)]], content=(
            critic_prompt(f"What is in photo {i}?", "A photograph.", f"Answer {i} one.", f"Answer {i} two.")))],
            max_tokens=max_tokens) for i in range(items)]
        asyncio.run(backend.generate(requests[:1]))  # warm up
        started = time.perf_counter()
        batched = asyncio.run(backend.generate(requests))
        batched_s = time.perf_counter() - started
        started = time.perf_counter()
        alone = [asyncio.run(backend.generate([r]))[0] for r in requests]
        alone_s = time.perf_counter() - started
    assert all(r.error is None for r in batched + alone)
    print(f"tiny llava: {items} judgments ({batched[0].prompt_tokens} prompt tokens, {max_tokens} new), batched "
          f"{items / batched_s:.2f}/s, one at a time {items / alone_s:.2f}/s")
    return alone_s / batched_s


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
    parser.add_argument("--only", choices=["throughput", "memory"])
    parser.add_argument("--items", type=int, default=16)
    parser.add_argument("--max-tokens", type=int, default=32)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--images", type=int, default=1000)
    args = parser.parse_args()
    if args.only != "memory":
        print(f"ratio_tiny={throughput(args.items, args.max_tokens, args.batch_size):.2f}")
    if args.only != "throughput":
        peak, total = memory(args.images)
        print(f"peak_rss_mb={peak:.0f} images_mb={total:.0f}")


if __name__ == "__main__":
    main()
