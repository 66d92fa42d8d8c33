"""The sandbox as the core sees it: a protocol any sandbox implements, and the client an agent gets in `ctx.sandbox`.

The core never imports Docker: the runtime asks for a `Sandbox` through a factory (the Docker one by default) and
wraps it in a `SandboxClient`, which logs every run to the store with its code hash, inputs and outcomes.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from typing import TYPE_CHECKING, Any, Callable, Protocol, Sequence, runtime_checkable

if TYPE_CHECKING:
    from synthloom.store.writer import StoreWriter


@runtime_checkable
class SandboxOutcome(Protocol):
    """One evaluation of code on one input: `status` is ok, error, timeout, killed or output_limit."""

    status: str
    value: Any
    error: str | None
    duration_ms: float

    def to_dict(self) -> dict[str, Any]: ...


@runtime_checkable
class Sandbox(Protocol):
    """Runs untrusted code: one list of outcomes per job, one outcome per input, in order. Blocking; thread-safe."""

    def evaluate_many(self, jobs: Sequence[tuple[str, Sequence[Any]]], entrypoint: str = "evaluate",
                      timeout_s: float = 5.0) -> list[list[SandboxOutcome]]: ...

    def close(self) -> None: ...


def code_hash(code: str) -> str:
    """sha256 of a verifier's source, to name it in logs without printing it."""
    return hashlib.sha256(code.encode("utf-8", "surrogatepass")).hexdigest()


class SandboxClient:
    """The sandbox as one agent sees it: started on first use, every run logged to the store."""

    def __init__(self, get_sandbox: Callable[[], Sandbox], agent: str, writer: "StoreWriter") -> None:
        self._get_sandbox = get_sandbox
        self.agent = agent
        self.writer = writer

    async def evaluate_many(self, jobs: Sequence[tuple[str, Sequence[Any]]], entrypoint: str = "evaluate",
                            timeout_s: float = 5.0) -> list[list[SandboxOutcome]]:
        sandbox = await asyncio.to_thread(self._get_sandbox)
        started = time.perf_counter()
        results = await asyncio.to_thread(
            sandbox.evaluate_many, [(code, list(inputs)) for code, inputs in jobs],
            entrypoint=entrypoint, timeout_s=timeout_s,
        )
        per_job_ms = (time.perf_counter() - started) * 1000 / max(1, len(jobs))
        for (code, inputs), outcomes in zip(jobs, results):
            self.writer.add_sandbox_run({
                "agent": self.agent,
                "code_hash": code_hash(code),
                "entrypoint": entrypoint,
                "inputs": list(inputs),
                "outcomes": [o.to_dict() for o in outcomes],
                "duration_ms": per_job_ms,
            })
        return results

    async def evaluate(self, code: str, inputs: Sequence[Any], entrypoint: str = "evaluate",
                       timeout_s: float = 5.0) -> list[SandboxOutcome]:
        return (await self.evaluate_many([(code, inputs)], entrypoint=entrypoint, timeout_s=timeout_s))[0]
