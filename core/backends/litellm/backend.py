"""The litellm backend: hosted APIs and any OpenAI-compatible server, called concurrently with per-request retries.

Every request of a batch is its own HTTP call, run concurrently up to `concurrency` (shared by all batches on the
same event loop). Each call is retried on its own (429 honouring Retry-After, 5xx, timeouts, dropped connections,
malformed bodies) so one flaky request neither fails nor re-sends the rest of the batch; when its retries are spent
it comes back as an error response for that item only. Every attempt is cut at `timeout_s`, so a server that never
answers costs at most `(max_retries + 1) * timeout_s` plus backoff. Cancelling a batch (Ctrl-C) cancels its
in-flight calls and waits for them to unwind before the cancellation propagates. A request's constraint
(`json_schema`, `regex`, `choice`) is sent where the model can enforce it, else refused or only checked (see
`structured`).
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import time
import weakref
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator, Awaitable, Callable, Literal, TypeVar

from synthloom.backends.options import parse_options
from synthloom.backends.base import GenerateRequest, GenerateResponse, ModelSpec, ScoreRequest, ScoreResponse
from synthloom.backends.litellm.transport import HTTPTransport, LiteLLMTransport, RequestRejected
from synthloom.backends.openai_wire import (
    generate_payload,
    parse_echo_logprobs,
    parse_generate_response,
    score_payload,
)
from synthloom.backends.litellm.options import SELF_HOSTED_PROVIDERS, LiteLLMOptions, route
from synthloom.backends.litellm.structured import StructuredSupport, constraint_fields
from synthloom.backends.schema_check import describe_constraint
from synthloom.errors import CannotScoreError, ConfigError, MalformedOutputError, TransientBackendError

logger = logging.getLogger("synthloom.backends.litellm")

T = TypeVar("T")


def create(spec: ModelSpec) -> "LiteLLMBackend":
    return LiteLLMBackend(spec.model, parse_options(LiteLLMOptions, spec))


class LiteLLMBackend:
    """See the module docstring; `transport` picks litellm or direct HTTP (auto: HTTP for self-hosted servers)."""

    def __init__(self, model: str, options: LiteLLMOptions) -> None:
        found = route(model, options)
        self.model = model
        self.options = options
        self.provider, self.wire_model = found.provider, found.wire_model
        self.self_hosted = found.self_hosted
        self.transport = found.transport
        self.can_score = found.can_score
        self.id = f"litellm:{model}"
        self._limits: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
            weakref.WeakKeyDictionary())
        self._litellm: LiteLLMTransport | None = None  # made on first use: importing litellm takes seconds
        self._warned: set[str] = set()  # kinds of constraint already reported as only checked (`structured`)

    async def generate(self, requests: list[GenerateRequest]) -> list[GenerateResponse]:
        return await _in_order(self.generate_stream(requests), len(requests))

    async def generate_stream(self, requests: list[GenerateRequest]) -> AsyncIterator[tuple[int, GenerateResponse]]:
        """Every request as its own concurrent call; (index, response) as each reply arrives."""
        async with self._transport(self.transport) as transport:
            async for item in _as_completed([self._generate_one(transport, r) for r in requests]):
                yield item

    async def score(self, requests: list[ScoreRequest]) -> list[ScoreResponse]:
        return await _in_order(self.score_stream(requests), len(requests))

    async def score_stream(self, requests: list[ScoreRequest]) -> AsyncIterator[tuple[int, ScoreResponse]]:
        if not self.can_score:
            raise CannotScoreError(
                f"model {self.model!r} is not set up for scoring",
                where=self.id,
                hint="scoring needs a server that echoes prompt log-probabilities (vLLM's OpenAI server); "
                     "set `scoring: true` for such a server",
            )
        # always over HTTP: litellm has no way to send a token-id prompt, and scoring needs a self-hosted server
        async with self._transport("http") as transport:
            async for item in _as_completed([self._score_one(transport, r) for r in requests]):
                yield item

    def close(self) -> None:
        """Nothing to release: HTTP sessions live only as long as one batch."""

    async def _generate_one(self, transport: Any, request: GenerateRequest) -> GenerateResponse:
        endpoint = "chat/completions" if request.messages is not None else "completions"
        support = StructuredSupport(vllm=self.provider in SELF_HOSTED_PROVIDERS,
                                    response_schema=self.self_hosted or transport.response_schema)
        constraint = constraint_fields(request, support)
        if constraint is None:
            refused = self._unenforced(request, endpoint)
            if refused is not None:
                return GenerateResponse(generations=[], error=str(refused))
        payload = generate_payload(request, self.wire_model, constraint or {})
        try:
            (data, cost), latency_ms = await self._call(lambda: transport.post(endpoint, payload))
            return parse_generate_response(data, request, cost=None if self.self_hosted else cost,
                                           latency_ms=latency_ms)
        except (TransientBackendError, RequestRejected, MalformedOutputError) as error:
            return GenerateResponse(generations=[], error=str(error))

    def _unenforced(self, request: GenerateRequest, endpoint: str) -> ConfigError | None:
        """A constraint this model cannot enforce: the error that fails its item (`structured: enforce`), or None
        after warning once per kind of constraint that it is only checked (`structured: validate`)."""
        constraint = describe_constraint(request)
        problem = f"{self.model!r} cannot enforce the {constraint} on {endpoint} requests"
        if self.options.structured == "enforce":
            return ConfigError(problem, where=self.id,
                               hint="set `structured: validate` on this model to send it unconstrained and check "
                                    "the replies, or use a model that can (see docs/backends.md)")
        kind = constraint.split(" ", 1)[0]
        if kind not in self._warned:
            self._warned.add(kind)
            logger.warning("%s: %s; sending it unconstrained and checking the replies (structured: validate)",
                           self.id, problem)
        return None

    async def _score_one(self, transport: Any, request: ScoreRequest) -> ScoreResponse:
        payload = score_payload(request, self.wire_model)
        try:
            (data, _), latency_ms = await self._call(lambda: transport.post("completions", payload))
            return parse_echo_logprobs(data, request, latency_ms=latency_ms)
        except (TransientBackendError, RequestRejected) as error:
            return ScoreResponse(tokens=[], logprobs=[], error=str(error))

    async def _call(self, send: Callable[[], Awaitable[T]]) -> tuple[T, float]:
        """`send()` under the concurrency limit, each attempt cut at `timeout_s`, retried while transient.

        Returns the result and the latency in ms from the first attempt to the answer, retries included.
        """
        options = self.options
        async with self._limit():
            started = time.perf_counter()
            for attempt in range(options.max_retries + 1):
                try:
                    async with asyncio.timeout(options.timeout_s):
                        result = await send()
                    return result, (time.perf_counter() - started) * 1000
                except TimeoutError:
                    error = TransientBackendError(f"no answer within timeout_s={options.timeout_s}", where=self.id)
                except TransientBackendError as transient:
                    error = transient
                if attempt < options.max_retries:
                    await asyncio.sleep(self._delay(attempt, error))
        raise TransientBackendError(f"gave up after {options.max_retries + 1} attempts; last error: {error}",
                                    where=self.id)

    def _delay(self, attempt: int, error: TransientBackendError) -> float:
        if error.retry_after_s is not None:
            return min(self.options.backoff_cap_s, error.retry_after_s)
        return min(self.options.backoff_cap_s, self.options.backoff_s * 2**attempt) * (0.5 + random.random() / 2)

    def _limit(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        if loop not in self._limits:
            self._limits[loop] = asyncio.Semaphore(self.options.concurrency)
        return self._limits[loop]

    @asynccontextmanager
    async def _transport(self, kind: Literal["litellm", "http"]) -> AsyncIterator[Any]:
        if kind == "litellm":
            if self._litellm is None:
                options = self.options
                self._litellm = LiteLLMTransport(self.model, api_base=options.api_base, api_key=options.api_key,
                                                 timeout_s=options.timeout_s, extra_body=options.extra_body)
            yield self._litellm
            return
        api_key = self.options.api_key or (os.environ.get("OPENAI_API_KEY") if self.provider == "openai" else None)
        http = HTTPTransport(self.wire_model, api_base=self.options.api_base or "", api_key=api_key,
                             concurrency=self.options.concurrency, extra_body=self.options.extra_body)
        try:
            yield http
        finally:
            await http.close()


async def _as_completed(calls: list[Any]) -> AsyncIterator[tuple[int, Any]]:
    """Run every call concurrently; (index, result) as each finishes. A whole-batch error (a BackendError such as a
    bad API key) cancels the other calls and is raised as itself; so is a cancellation (Ctrl-C), after the calls in
    flight unwound."""
    tasks = {asyncio.ensure_future(call): index for index, call in enumerate(calls)}
    pending = set(tasks)
    try:
        while pending:
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                yield tasks[task], task.result()
    finally:
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)


async def _in_order(stream: AsyncIterator[tuple[int, Any]], count: int) -> list[Any]:
    results: list[Any] = [None] * count
    async for index, result in stream:
        results[index] = result
    return results
