"""A backend as one agent (or one command) sees it: cached by request hash, retried, budgeted, and logged.

Every model call in synthloom goes through `ModelClient`, so that no plugin has to (or can forget to) cache, retry,
count or log its calls. Counting for progress displays is a callback (`on_call`), not a subclass.
"""

from __future__ import annotations

import asyncio
import random
import time
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Literal, Sequence, TypeVar

from synthloom.backends.base import (
    Backend,
    ChatMessage,
    GenerateRequest,
    GenerateResponse,
    ScoreRequest,
    ScoreResponse,
)
from synthloom.errors import CannotScoreError, ConfigError, TransientBackendError

if TYPE_CHECKING:
    from synthloom.budget import Budget
    from synthloom.store.writer import StoreWriter

T = TypeVar("T")
CallRow = dict[str, Any]
PromptStyle = Literal["chat", "completion"]


class RetryPolicy:
    """Exponential backoff with jitter for transient errors a backend raises; honours a server's Retry-After."""

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
    """What `ctx.model()` returns. `generate`/`score` take whole batches; results keep the order of requests."""

    def __init__(self, name: str, backend: Backend, agent: str, writer: "StoreWriter", budget: "Budget",
                 retry: RetryPolicy | None = None, on_call: Callable[[CallRow], None] | None = None,
                 prompt_style: PromptStyle | None = None) -> None:
        self.name = name
        self.backend = backend
        self.agent = agent
        self.writer = writer
        self.budget = budget
        self.retry = retry or RetryPolicy()
        self.on_call = on_call
        self._prompt_style = prompt_style
        self._gave_up: dict[str, str] = {}

    @property
    def can_score(self) -> bool:
        return self.backend.can_score

    @property
    def prompt_style(self) -> PromptStyle:
        """`chat` or `completion`: how agents should prompt this model (the campaign's `prompt_style:`, else what the
        backend says of its model, else chat). Agents whose method has examples give a base model a few-shot
        completion prompt instead of a chat template it was never trained on."""
        return self._prompt_style or getattr(self.backend, "prompt_style", None) or "chat"

    async def generate(self, requests: Sequence[GenerateRequest]) -> list[GenerateResponse]:
        if not getattr(self.backend, "accepts_images", True) and any(
                m.images for r in requests for m in r.messages or []):
            raise ConfigError(f"agent {self.agent!r} sent an image to model {self.name!r} ({self.backend.id}), "
                              "which is a text-only model", where=f"agent {self.agent!r}",
                              hint="give this agent a vision-language model (models: in the campaign)")
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
        # (cache key, request text) of each request: the text is what the key hashes, and what the store keeps
        entries: list[tuple[str, str]] = [r.keyed(self.backend.id) for r in requests]
        keys = [key for key, _ in entries]
        results: list[Any] = [None] * len(requests)
        missing: list[int] = []
        replayed: list[dict[str, Any]] = []
        stored = self.writer.cached_responses(keys)
        for i, key in enumerate(keys):
            hit = stored.get(key)
            if hit is None and key in self._gave_up:
                # This request already failed after its backend's retries in this run (an agent's batch is retried
                # item by item after a failure): its retry budget is spent, so it is not sent again.
                hit = self._gave_up[key]
            if hit is None:
                missing.append(i)
            else:
                response = response_type.model_validate_json(hit)
                response.cached = True
                results[i] = response
                replayed.append(self._row(op, entries[i], response, cached=True))
        self._record(replayed)
        if missing:
            self.budget.check()
            stream = getattr(self.backend, f"{op}_stream", None)
            if stream is not None:
                await self._fresh_stream(op, entries, requests, missing, stream, results)
            elif getattr(self.backend, "independent_requests", False):
                await asyncio.gather(*(self._fresh_batch(op, [entries[i]], [requests[i]], call, results, [i])
                                       for i in missing))
            else:
                await self._fresh_batch(op, [entries[i] for i in missing], [requests[i] for i in missing], call,
                                        results, missing)
        return results

    async def _fresh_stream(self, op: str, entries: list[tuple[str, str]], requests: list[Any], missing: list[int],
                            stream: Callable, results: list[Any]) -> None:
        """Per-request calls (APIs, billed one by one): each reply is recorded the moment it arrives, so that an
        interrupted batch keeps, and never pays again for, the calls that had finished."""
        todo = list(missing)

        async def attempt() -> None:
            sent = list(todo)
            started = time.perf_counter()
            try:
                async for position, response in stream([requests[i] for i in sent]):
                    i = sent[position]
                    if not response.latency_ms:
                        response.latency_ms = (time.perf_counter() - started) * 1000
                    self._record([self._accept(op, entries[i], response, results, i)])
            finally:  # a retry sends only what has not come back
                todo[:] = [i for i in todo if results[i] is None]

        await self.retry.run(attempt)

    async def _fresh_batch(self, op: str, entries: list[tuple[str, str]], todo: list[Any], call: Callable,
                           results: list[Any], indexes: list[int]) -> None:
        started = time.perf_counter()
        fresh = await self.retry.run(lambda: call(todo))
        elapsed_ms = (time.perf_counter() - started) * 1000
        if len(fresh) != len(todo):
            raise TransientBackendError(
                f"backend {self.backend.id!r} returned {len(fresh)} responses for {len(todo)} requests"
            )
        rows = []
        for i, entry, response in zip(indexes, entries, fresh):
            if not response.latency_ms:
                response.latency_ms = elapsed_ms / len(todo)
            rows.append(self._accept(op, entry, response, results, i))
        self._record(rows)

    def _accept(self, op: str, entry: tuple[str, str], response: Any, results: list[Any],
                index: int) -> dict[str, Any]:
        results[index] = response
        self.budget.spend(response)
        if response.error is not None:
            self._gave_up[entry[0]] = response.model_dump_json()
        return self._row(op, entry, response, cached=False)

    def _record(self, rows: list[dict[str, Any]]) -> None:
        """A batch's calls go to the store (and its journal) together: one write for the batch."""
        if not rows:
            return
        self.writer.add_model_calls(rows)
        if self.on_call is not None:
            for row in rows:
                self.on_call(row)

    def _row(self, op: str, entry: tuple[str, str], response: Any, cached: bool) -> dict[str, Any]:
        return {
            "agent": self.agent,
            "model": self.name,
            "backend": self.backend.id,
            "op": op,
            "request_hash": entry[0],
            "request": entry[1],
            "response": response.model_dump_json(),
            "prompt_tokens": getattr(response, "prompt_tokens", 0) or 0,
            "completion_tokens": getattr(response, "completion_tokens", 0) or 0,
            "latency_ms": float(response.latency_ms or 0.0) if not cached else 0.0,
            "cost": None if cached else getattr(response, "cost", None),
            "cached": cached,
            "error": response.error,
        }
