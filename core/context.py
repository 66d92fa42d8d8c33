"""What an agent can reach while it handles a batch: named models, the sandbox, seeded randomness, a logger.

Every model call goes through `ModelClient`, which is where caching, retries, the budget and call logging happen,
so that no plugin has to (or can forget to) do them itself.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Sequence, TypeVar

from synthloom.backends.base import (
    Backend,
    ChatMessage,
    GenerateRequest,
    GenerateResponse,
    ScoreRequest,
    ScoreResponse,
)
from synthloom.errors import BudgetExhausted, CannotScoreError, ConfigError, TransientBackendError
from synthloom.messages import stable_hash

if TYPE_CHECKING:
    from synthloom.budget import Budget
    from synthloom.writer import StoreWriter

T = TypeVar("T")


class RetryPolicy:
    """Exponential backoff with jitter for transient errors; honours a server's Retry-After."""

    def __init__(self, attempts: int = 5, base_s: float = 0.5, cap_s: float = 30.0) -> None:
        self.attempts = attempts
        self.base_s = base_s
        self.cap_s = cap_s

    def delay(self, attempt: int, error: TransientBackendError) -> float:
        if error.retry_after_s is not None:
            return min(self.cap_s, error.retry_after_s)
        return min(self.cap_s, self.base_s * 2**attempt) * (0.5 + random.random() / 2)

    async def run(self, call: Callable[[], Awaitable[T]]) -> T:
        for attempt in range(self.attempts):
            try:
                return await call()
            except TransientBackendError as error:
                if attempt == self.attempts - 1:
                    raise
                await asyncio.sleep(self.delay(attempt, error))
        raise AssertionError("unreachable")


class ModelClient:
    """A backend as one agent sees it: cached by request hash, retried, budgeted, and logged to the store."""

    def __init__(self, name: str, backend: Backend, agent: str, writer: "StoreWriter", budget: "Budget",
                 retry: RetryPolicy | None = None) -> None:
        self.name = name
        self.backend = backend
        self.agent = agent
        self.writer = writer
        self.budget = budget
        self.retry = retry or RetryPolicy()

    @property
    def can_score(self) -> bool:
        return self.backend.can_score

    async def generate(self, requests: Sequence[GenerateRequest]) -> list[GenerateResponse]:
        return await self._call("generate", list(requests), GenerateResponse, self.backend.generate)

    async def chat(self, prompts: Sequence[str], *, system: str | None = None, seeds: Sequence[int] | None = None,
                   **sampling: Any) -> list[GenerateResponse]:
        """One single-turn chat request per prompt (the common case), with shared sampling parameters.

        `seeds`, when given, holds one seed per prompt (usually `ctx.seed_for(input.id)`), so that sampling does not
        depend on how inputs were batched.
        """
        head = [ChatMessage(role="system", content=system)] if system else []
        requests = [GenerateRequest(messages=[*head, ChatMessage(role="user", content=prompt)],
                                    seed=seeds[i] if seeds is not None else None, **sampling)
                    for i, prompt in enumerate(prompts)]
        return await self.generate(requests)

    async def score(self, requests: Sequence[ScoreRequest]) -> list[ScoreResponse]:
        if not self.backend.can_score:
            raise CannotScoreError(
                f"backend {self.backend.id!r} cannot score (no per-token log-probabilities of a given text)",
                where=f"model {self.name!r}",
                hint="use a transformers or vllm model, or a litellm server that returns prompt logprobs",
            )
        return await self._call("score", list(requests), ScoreResponse, self.backend.score)

    async def _call(self, op: str, requests: list[Any], response_type: type, call: Callable) -> list[Any]:
        keys = [r.cache_key(self.backend.id) for r in requests]
        results: list[Any] = [None] * len(requests)
        missing: list[int] = []
        for i, key in enumerate(keys):
            hit = self.writer.cached_response(key)
            if hit is None:
                missing.append(i)
            else:
                response = response_type.model_validate_json(hit)
                response.cached = True
                results[i] = response
                self.writer.add_model_call(self._row(op, key, requests[i], response, cached=True))
        if missing:
            self.budget.check()
            if getattr(self.backend, "independent_requests", False):
                # Per-request calls (APIs): each is recorded the moment it completes, so that an interrupted batch
                # keeps, and never pays again for, the calls that had finished.
                await asyncio.gather(*(self._fresh_batch(op, [keys[i]], [requests[i]], call, results, [i])
                                       for i in missing))
            else:
                await self._fresh_batch(op, [keys[i] for i in missing], [requests[i] for i in missing], call,
                                        results, missing)
        return results

    async def _fresh_batch(self, op: str, keys: list[str], todo: list[Any], call: Callable, results: list[Any],
                           indexes: list[int]) -> None:
        started = time.perf_counter()
        fresh = await self.retry.run(lambda: call(todo))
        elapsed_ms = (time.perf_counter() - started) * 1000
        if len(fresh) != len(todo):
            raise TransientBackendError(
                f"backend {self.backend.id!r} returned {len(fresh)} responses for {len(todo)} requests"
            )
        for i, key, request, response in zip(indexes, keys, todo, fresh):
            if not response.latency_ms:
                response.latency_ms = elapsed_ms / len(todo)
            results[i] = response
            self.writer.add_model_call(self._row(op, key, request, response, cached=False))
            self.budget.spend(response)

    def _row(self, op: str, key: str, request: Any, response: Any, cached: bool) -> dict[str, Any]:
        return {
            "agent": self.agent,
            "model": self.name,
            "backend": self.backend.id,
            "op": op,
            "request_hash": key,
            "request": request.model_dump_json(),
            "response": response.model_dump_json(),
            "prompt_tokens": getattr(response, "prompt_tokens", 0) or 0,
            "completion_tokens": getattr(response, "completion_tokens", 0) or 0,
            "latency_ms": float(response.latency_ms or 0.0) if not cached else 0.0,
            "cost": None if cached else getattr(response, "cost", None),
            "cached": cached,
            "error": response.error,
        }


class SandboxClient:
    """The Docker sandbox as one agent sees it: every run is logged with its code hash, inputs and outcomes."""

    def __init__(self, get_sandbox: Callable[[], Any], agent: str, writer: "StoreWriter") -> None:
        self._get_sandbox = get_sandbox
        self.agent = agent
        self.writer = writer

    async def evaluate_many(self, jobs: Sequence[tuple[str, Sequence[Any]]], entrypoint: str = "evaluate",
                            timeout_s: float = 5.0) -> list[list[Any]]:
        from synthloom.sandbox import code_hash

        sandbox = self._get_sandbox()
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
                       timeout_s: float = 5.0) -> list[Any]:
        return (await self.evaluate_many([(code, inputs)], entrypoint=entrypoint, timeout_s=timeout_s))[0]


class Context:
    """Handed to `Agent.handle` and `Agent.produce`."""

    def __init__(self, *, campaign: str, agent: str, seed: int, models: dict[str, ModelClient],
                 sandbox: SandboxClient, default_model: str | None, base_dir: Path | None = None,
                 loop: asyncio.AbstractEventLoop | None = None, round: int = 0) -> None:
        self.campaign = campaign
        self.base_dir = base_dir or Path.cwd()
        self.loop = loop
        self.agent = agent
        self.seed = seed
        self.round = round
        self._models = models
        self._default_model = default_model
        self.sandbox = sandbox
        self.log = logging.getLogger(f"synthloom.agent.{agent}")

    def model(self, name: str | None = None) -> ModelClient:
        """The named model of the campaign, or this agent's default (its `model:` in the campaign)."""
        key = name or self._default_model
        if key is None or key not in self._models:
            known = ", ".join(sorted(self._models)) or "none"
            raise ConfigError(
                f"agent {self.agent!r} asked for model {key!r}, which the campaign does not define (defined: {known})",
                hint="add it under `models:` in the campaign file, or set the agent's `model:`",
            )
        return self._models[key]

    def rng(self, *keys: Any) -> random.Random:
        """A generator seeded by the campaign seed, this agent and `keys` (usually an input's id).

        Seeding per input rather than per run keeps results identical however inputs are batched or resumed.
        """
        return random.Random(stable_hash([self.seed, self.agent, list(keys)], length=16))

    def seed_for(self, *keys: Any) -> int:
        """An integer seed for sampling backends, derived like `rng`."""
        return int(stable_hash([self.seed, self.agent, "sampling", list(keys)], length=8), 16)

    def with_round(self, round: int) -> "Context":
        return Context(campaign=self.campaign, agent=self.agent, seed=self.seed, models=self._models,
                       sandbox=self.sandbox, default_model=self._default_model, base_dir=self.base_dir,
                       loop=self.loop, round=round)

    def resolve_path(self, path: str | Path) -> Path:
        """Relative paths in agent parameters are relative to the campaign file, not to the working directory."""
        path = Path(path).expanduser()
        return path if path.is_absolute() else self.base_dir / path

    def wait(self, awaitable: Awaitable[T]) -> T:
        """Run a model or sandbox call from a threaded (synchronous) agent and wait for its result."""
        if self.loop is None:
            raise RuntimeError("Context.wait() needs the runtime's event loop")
        return asyncio.run_coroutine_threadsafe(awaitable, self.loop).result()
