"""DockerSandbox: run untrusted verifier code on many inputs, in a pool of hardened warm containers."""

from __future__ import annotations

import atexit
import json
import math
import threading
import weakref
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from synthloom.errors import ConfigError, SandboxError
from synthloom.sandbox.container import ContainerBroken
from synthloom.sandbox.daemon import connect
from synthloom.sandbox.image import ensure_image
from synthloom.sandbox.limits import DEFAULT_PRELOAD, SandboxLimits
from synthloom.sandbox.outcome import Outcome
from synthloom.sandbox.pool import ContainerPool, reap_orphans
from synthloom.sandbox.supervisor import MAX_REQUEST_BYTES

# Host-side backstop on top of the supervisor's own deadlines: covers starting the job process, reaping and transfer.
HOST_GRACE_S = 10.0
MIN_JOB_TIMEOUT_S = 30.0

_open_sandboxes: weakref.WeakSet[DockerSandbox] = weakref.WeakSet()


def default_job_timeout(timeout_s: float) -> float:
    """The job-level cap when none is given: four hanging inputs' worth, and never under 30 s for big batches."""
    return max(4 * timeout_s, MIN_JOB_TIMEOUT_S)


class DockerSandbox:
    """A pool of warm, hardened containers that evaluate LLM-written code outside this process.

    Timeouts: `timeout_s` is a per-input deadline (the module-level code of the job gets the same deadline before the
    first input). An input that exceeds it is `timeout`, its process is killed and the job goes on with the next input
    in a fresh process, so one hanging input does not cost the others their results. `job_timeout_s` caps the whole
    job (default `max(4 * timeout_s, 30)`): inputs not finished by then are `timeout` too.
    """

    def __init__(self, image: str | None = None, pool_size: int = 2, *, limits: SandboxLimits | None = None,
                 runtime: str | None = None, pull: bool = False, preload: Sequence[str] = DEFAULT_PRELOAD) -> None:
        if pool_size < 1:
            raise ConfigError(f"pool_size must be at least 1, not {pool_size}", where="DockerSandbox")
        self.image, self.pool_size, self.runtime, self.pull = image, pool_size, runtime, pull
        self.limits = limits or SandboxLimits()
        self.preload = tuple(preload)
        self._pool: ContainerPool | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    def start(self) -> DockerSandbox:
        """Connect, make sure the image exists, reap containers of crashed owners and warm the pool (idempotent)."""
        with self._lock:
            if self._pool is not None:
                return self
            api = connect()
            if self.runtime and self.runtime not in api.info().get("Runtimes", {}):
                raise SandboxError(f"the Docker runtime {self.runtime!r} is not installed", where="DockerSandbox",
                                   hint="install gVisor (runsc) and register it in /etc/docker/daemon.json")
            image = ensure_image(api, self.image, pull=self.pull)
            reap_orphans(api)
            self._pool = ContainerPool(api, image, self.limits, self.pool_size, runtime=self.runtime,
                                       preload=self.preload)
            self._executor = ThreadPoolExecutor(max_workers=self.pool_size, thread_name_prefix="sandbox")
            _open_sandboxes.add(self)
        return self

    def close(self) -> None:
        """Remove every container of this sandbox; safe to call twice."""
        with self._lock:
            pool, executor, self._pool, self._executor = self._pool, self._executor, None, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)
        if pool is not None:
            pool.close()
        _open_sandboxes.discard(self)

    def __enter__(self) -> DockerSandbox:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def evaluate(self, code: str, inputs: Sequence[Any], entrypoint: str = "evaluate", timeout_s: float = 5.0,
                 job_timeout_s: float | None = None) -> list[Outcome]:
        """Call `entrypoint(input)` for each input, in one namespace built from `code`; one Outcome per input."""
        return self.evaluate_many([(code, inputs)], entrypoint, timeout_s, job_timeout_s)[0]

    def evaluate_many(self, jobs: Sequence[tuple[str, Sequence[Any]]], entrypoint: str = "evaluate",
                      timeout_s: float = 5.0, job_timeout_s: float | None = None) -> list[list[Outcome]]:
        """The fast path: jobs run concurrently across the pool (safe from several threads); results keep job order."""
        requests = [self._request(code, inputs, entrypoint, timeout_s, job_timeout_s) for code, inputs in jobs]
        self.start()
        executor = self._executor
        if executor is None:
            raise SandboxError("the sandbox was closed while jobs were submitted", where="DockerSandbox")
        if len(requests) == 1:
            return [self._run(requests[0])]
        return list(executor.map(self._run, requests))

    @staticmethod
    def _request(code: str, inputs: Sequence[Any], entrypoint: str, timeout_s: float,
                 job_timeout_s: float | None) -> dict:
        if not isinstance(code, str):
            raise ConfigError(f"code must be a str, not {type(code).__name__}", where="DockerSandbox.evaluate")
        if not (isinstance(timeout_s, (int, float)) and math.isfinite(timeout_s) and timeout_s > 0):
            raise ConfigError(f"timeout_s must be a positive number, not {timeout_s!r}", where="DockerSandbox.evaluate")
        cap = default_job_timeout(timeout_s) if job_timeout_s is None else job_timeout_s
        if not (math.isfinite(cap) and cap > 0):
            raise ConfigError(f"job_timeout_s must be positive, not {cap!r}", where="DockerSandbox.evaluate")
        inputs = list(inputs)
        try:
            size = len(json.dumps(inputs, allow_nan=False)) + len(json.dumps(code))
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"inputs must be JSON-serialisable: {exc}", where="DockerSandbox.evaluate",
                              hint="pass strings, numbers, lists or dicts") from exc
        if size > MAX_REQUEST_BYTES - 65536:
            raise ConfigError(f"a job of {size} bytes exceeds the {MAX_REQUEST_BYTES}-byte request limit",
                              where="DockerSandbox.evaluate", hint="split the inputs over several jobs")
        return {"code": code, "inputs": inputs, "entrypoint": entrypoint, "timeout_s": float(timeout_s),
                "job_timeout_s": float(cap)}

    def _run(self, request: dict) -> list[Outcome]:
        if not request["inputs"]:
            return []
        pool = self._pool
        if pool is None:
            raise SandboxError("the sandbox is closed", where="DockerSandbox")
        with pool.container() as container:
            try:
                records = container.run(request, request["job_timeout_s"] + HOST_GRACE_S)
                return [Outcome.from_wire(record) for record in records]
            except (ContainerBroken, ValueError) as exc:
                container.recycle_reason = str(exc)
                error = f"the sandbox container failed during this job and was replaced: {exc}"
                return [Outcome("killed", None, error, 0.0) for _ in request["inputs"]]


@atexit.register
def _close_open_sandboxes() -> None:
    """Containers must not outlive the process that owns them, even when nobody called close()."""
    for sandbox in list(_open_sandboxes):
        sandbox.close()
