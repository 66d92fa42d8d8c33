"""The sandbox's speed figures, shared by `synthloom sandbox bench` (quick) and benchmarks/sandbox.py (full)."""

from __future__ import annotations

import json
import pathlib
import re
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

from synthloom.errors import SandboxError
from synthloom.sandbox.container import SandboxContainer
from synthloom.sandbox.daemon import connect
from synthloom.sandbox.image import ensure_image
from synthloom.sandbox.limits import DEFAULT_PRELOAD, SandboxLimits, owner_id
from synthloom.sandbox.sandbox import DockerSandbox

TRIVIAL = "def evaluate(response):\n    return len(response) > 3\n"
FENCED_JSON = re.compile(r"```json\s*(.*?)```", re.DOTALL)


@dataclass(frozen=True)
class Figure:
    name: str
    value: float
    unit: str
    target: str = ""
    note: str = ""


def parse_autoif_reply(reply: str) -> dict | None:
    """The {"func", "cases"} object of one AutoIF verifier reply, or None when the reply has no usable JSON."""
    match = FENCED_JSON.search(reply)
    try:
        parsed = json.loads(match.group(1) if match else reply)
    except ValueError:
        return None
    if not isinstance(parsed, dict) or not isinstance(parsed.get("func"), str) or "def evaluate" not in parsed["func"]:
        return None
    return parsed


def autoif_verifiers(path: pathlib.Path) -> list[dict]:
    """Every parseable verifier reply in an AutoIF eval_func_rft.jsonl file."""
    verifiers = []
    for line in path.read_text().splitlines():
        for reply in json.loads(line).get("gpt-answer", []):
            parsed = parse_autoif_reply(reply)
            if parsed is not None:
                verifiers.append(parsed)
    return verifiers


def autoif_pairs(path: pathlib.Path, count: int) -> list[tuple[str, str]]:
    """`count` (function, response) pairs: every verifier against every case input of the file, cycled."""
    verifiers = autoif_verifiers(path)
    responses = [str(case.get("input")) for v in verifiers for case in v.get("cases", []) if isinstance(case, dict)]
    return [(verifiers[i % len(verifiers)]["func"], responses[i % len(responses)]) for i in range(count)]


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
        container = _fresh_container(api, image)
        samples.append(time.perf_counter() - started)
        container.close()
    return Figure("fresh container ready p50", _p50_ms(samples), "ms", "<= 400", f"{samples_count} containers")


def _time(function: Callable[[], object]) -> float:
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


def unsandboxed_loop(pairs: list[tuple[str, str]]) -> list[object]:
    """AutoIF's own loop: exec the function, then call evaluate on the response, in this very process."""
    results = []
    for func, response in pairs:
        namespace: dict = {}
        try:
            exec(func, namespace)
            results.append(namespace["evaluate"](response))
        except Exception as exc:  # noqa: BLE001 - AutoIF counts a raising verifier as a failure
            results.append(exc)
    return results


def sandboxed(sandbox: DockerSandbox, pairs: list[tuple[str, str]]) -> list[list]:
    """The same pairs through the sandbox: grouped by function, one job per function, jobs spread over the pool."""
    grouped: dict[str, list[str]] = {}
    for func, response in pairs:
        grouped.setdefault(func, []).append(response)
    return sandbox.evaluate_many(list(grouped.items()), timeout_s=5.0)


def _fresh_container(api, image: str) -> SandboxContainer:
    return SandboxContainer(api, image, SandboxLimits(), pool_id="bench", owner=owner_id(), runtime=None,
                            preload=DEFAULT_PRELOAD)


def container_per_call(pairs: list[tuple[str, str]], sample: int) -> float:
    """Seconds per pair when every call gets its own container: start, one job, remove (measured on `sample`)."""
    api = connect()
    image = ensure_image(api, None)

    def one_call(func: str, response: str) -> None:
        container = _fresh_container(api, image)
        try:
            container.run({"code": func, "inputs": [response], "entrypoint": "evaluate", "timeout_s": 5.0,
                           "job_timeout_s": 30.0}, 60.0)
        finally:
            container.close()

    return sum(_time(lambda pair=pair: one_call(*pair)) for pair in pairs[:sample]) / sample


def autoif_comparison(sandbox: DockerSandbox, pairs: list[tuple[str, str]], per_call_sample: int) -> list[Figure]:
    inline_s = _time(lambda: unsandboxed_loop(pairs))
    pooled_s = _time(lambda: sandboxed(sandbox, pairs))
    per_call_s = container_per_call(pairs, per_call_sample) * len(pairs)
    n = len(pairs)
    return [
        Figure(f"AutoIF {n} pairs, unsandboxed in-process loop", inline_s * 1000, "ms"),
        Figure(f"AutoIF {n} pairs, sandbox pool (evaluate_many)", pooled_s * 1000, "ms"),
        Figure(f"AutoIF {n} pairs, fresh container per call", per_call_s * 1000, "ms",
               note=f"extrapolated from {per_call_sample} calls"),
        Figure("pool vs unsandboxed", pooled_s / inline_s, "x slower", "<= 3"),
        Figure("container-per-call vs pool", per_call_s / pooled_s, "x slower", ">= 100"),
    ]
