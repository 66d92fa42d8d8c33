"""AutoIF's verifier workload three ways: its own unsandboxed loop, the sandbox pool, and a container per call.

Imported by benchmarks/sandbox.py, which puts the repository root on sys.path: the fixture reader lives with the
tests that share it, and AutoIF code has no place in the installed sandbox package.
"""

from __future__ import annotations

import pathlib
import time
from collections.abc import Callable

from synthloom.sandbox import DockerSandbox, Outcome
from synthloom.sandbox.bench import Figure, fresh_container
from synthloom.sandbox.daemon import connect
from synthloom.sandbox.image import ensure_image
from tests.sandbox.autoif_helpers import autoif_verifiers


def autoif_pairs(path: pathlib.Path, count: int) -> list[tuple[str, str]]:
    """`count` (function, response) pairs: every verifier against every case input of the file, cycled."""
    verifiers = autoif_verifiers(path)
    responses = [str(case.get("input")) for v in verifiers for case in v.get("cases", []) if isinstance(case, dict)]
    return [(verifiers[i % len(verifiers)]["func"], responses[i % len(responses)]) for i in range(count)]


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


def sandboxed(sandbox: DockerSandbox, pairs: list[tuple[str, str]]) -> list[list[Outcome]]:
    """The same pairs through the sandbox: grouped by function, one job per function, jobs spread over the pool."""
    grouped: dict[str, list[str]] = {}
    for func, response in pairs:
        grouped.setdefault(func, []).append(response)
    return sandbox.evaluate_many(list(grouped.items()), timeout_s=5.0)


def container_per_call(pairs: list[tuple[str, str]], sample: int) -> float:
    """Seconds per pair when every call gets its own container: start, one job, remove (measured on `sample`)."""
    api = connect()
    image = ensure_image(api, None)

    def one_call(func: str, response: str) -> None:
        container = fresh_container(api, image)
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
