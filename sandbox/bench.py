"""The sandbox's speed figures, shared by `synthloom sandbox bench` (quick) and benchmarks/sandbox.py (full)."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

from synthloom.errors import SandboxError
from synthloom.sandbox.container import SandboxContainer
from synthloom.sandbox.daemon import connect
from synthloom.sandbox.image import ensure_image
from synthloom.sandbox.limits import DEFAULT_PRELOAD, SandboxLimits, owner_id
from synthloom.sandbox.sandbox import DockerSandbox

TRIVIAL = "def evaluate(response):\n    return len(response) > 3\n"


@dataclass(frozen=True)
class Figure:
    name: str
    value: float
    unit: str
    target: str = ""
    note: str = ""


def _p50_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000.0


def warm_job_overhead(sandbox: DockerSandbox, jobs: int) -> Figure:
    samples = []
    for _ in range(jobs):
        started = time.perf_counter()
        sandbox.evaluate(TRIVIAL, ["x"])
        samples.append(time.perf_counter() - started)
    # With one container, the previous job's clean-up (reap, wipe, fork the next job process) is on the critical
    # path of back-to-back jobs; with two or more it overlaps with the other container's job.
    return Figure(f"warm per-job overhead p50, pool_size={sandbox.pool_size}", _p50_ms(samples), "ms", "<= 5",
                  f"{jobs} sequential jobs of one input")


def batched_throughput(sandbox: DockerSandbox, inputs: int) -> Figure:
    started = time.perf_counter()
    outcomes = sandbox.evaluate(TRIVIAL, ["response"] * inputs)
    rate = inputs / (time.perf_counter() - started)
    failed = [outcome for outcome in outcomes if outcome.status != "ok"]
    if failed:
        raise SandboxError(f"{len(failed)} trivial evaluations failed, e.g. {failed[0]}", where="sandbox bench")
    return Figure("trivial evaluations per second, one container", rate, "/s", ">= 10000", f"one job of {inputs}")


def fresh_container_ready(samples_count: int) -> Figure:
    api = connect()
    image = ensure_image(api, None)
    samples = []
    for _ in range(samples_count):
        started = time.perf_counter()
        container = fresh_container(api, image)
        samples.append(time.perf_counter() - started)
        container.close()
    return Figure("fresh container ready p50", _p50_ms(samples), "ms", "<= 400", f"{samples_count} containers")


def fresh_container(api, image: str) -> SandboxContainer:
    """A container outside any pool, started and ready, as a client without a warm pool would get one."""
    return SandboxContainer(api, image, SandboxLimits(), pool_id="bench", owner=owner_id(), runtime=None,
                            preload=DEFAULT_PRELOAD)
