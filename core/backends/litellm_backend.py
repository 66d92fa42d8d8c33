"""The litellm backend: hosted APIs and any OpenAI-compatible server, called concurrently with per-request retries.

Every request of a batch is its own HTTP call, run concurrently up to `concurrency` (shared by all batches on the
same event loop). Each call is retried on its own (429 honouring Retry-After, 5xx, timeouts, dropped connections,
malformed bodies) so one flaky request neither fails nor re-sends the rest of the batch; when its retries are spent
it comes back as an error response for that item only. Every attempt is cut at `timeout_s`, so a server that never
answers costs at most `(max_retries + 1) * timeout_s` plus backoff. Cancelling a batch (Ctrl-C) cancels its
in-flight calls and waits for them to unwind before the cancellation propagates.
"""

from __future__ import annotations

import asyncio
import os
import random
import time
import weakref
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator, Awaitable, Callable, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from synthloom.backends.base import GenerateRequest, GenerateResponse, ModelSpec, ScoreRequest, ScoreResponse
from synthloom.backends.openai_transport import HTTPTransport, LiteLLMTransport, RequestRejected
from synthloom.backends.openai_wire import (
    generate_payload,
    parse_echo_logprobs,
    parse_generate_response,
    score_payload,
)
from synthloom.backends.options import parse_options
from synthloom.errors import CannotScoreError, ConfigError, MalformedOutputError, TransientBackendError

T = TypeVar("T")
SELF_HOSTED_PROVIDERS = {"hosted_vllm"}


class LiteLLMOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    api_base: str | None = None
    api_key: str | None = Field(default=None, description="else the provider's usual environment variable")
    concurrency: int = Field(default=32, ge=1)
    timeout_s: float = Field(default=60.0, gt=0)
    max_retries: int = Field(default=4, ge=0)
    backoff_s: float = Field(default=0.5, ge=0)
    backoff_cap_s: float = Field(default=60.0, ge=0)
    transport: Literal["auto", "litellm", "http"] = "auto"
    scoring: bool | None = Field(default=None, description="echo+logprobs scoring; auto: on for self-hosted")
    extra_body: dict[str, Any] = Field(default_factory=dict)


def create(spec: ModelSpec) -> "LiteLLMBackend":
    return LiteLLMBackend(spec.model, parse_options(LiteLLMOptions, spec))


class LiteLLMBackend:
    """See the module docstring; `transport` picks litellm or direct HTTP (auto: HTTP for self-hosted servers)."""

    def __init__(self, model: str, options: LiteLLMOptions) -> None:
        if "/" not in model:
            raise ConfigError(f"litellm model {model!r} has no provider prefix", where=f"model {model!r}",
                              hint="name it as PROVIDER/MODEL, e.g. openai/gpt-4o-mini or hosted_vllm/NAME")
        self.model = model
        self.options = options
        self.provider, self.wire_model = model.split("/", 1)
        self.self_hosted = self.provider in SELF_HOSTED_PROVIDERS or options.api_base is not None
        self.transport = self._choose_transport()
        if self.transport == "http" and not options.api_base:
            raise ConfigError(f"transport 'http' needs `api_base` for model {model!r}", where=f"model {model!r}",
                              hint="set api_base to the server's /v1 URL, e.g. http://127.0.0.1:8000/v1")
        self.id = f"litellm:{model}"
        self.can_score = options.scoring if options.scoring is not None else self.self_hosted
        if self.can_score and not options.api_base:
            raise ConfigError(f"scoring with model {model!r} needs `api_base`", where=f"model {model!r}",
                              hint="scoring posts echo+logprobs completions to a self-hosted server's /v1 URL")
        self._limits: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
            weakref.WeakKeyDictionary())
        self._litellm: LiteLLMTransport | None = None  # made on first use: importing litellm takes seconds

    def _choose_transport(self) -> Literal["litellm", "http"]:
        if self.options.transport != "auto":
            return self.options.transport
        direct = self.provider in SELF_HOSTED_PROVIDERS or (self.provider == "openai" and self.options.api_base)
        return "http" if direct else "litellm"

    async def generate(self, requests: list[GenerateRequest]) -> list[GenerateResponse]:
        async with self._transport(self.transport) as transport:
            return await _all(self._generate_one(transport, r) for r in requests)

    async def score(self, requests: list[ScoreRequest]) -> list[ScoreResponse]:
        if not self.can_score:
            raise CannotScoreError(
                f"model {self.model!r} is not set up for scoring",
                where=self.id,
                hint="scoring needs a server that echoes prompt log-probabilities (vLLM's OpenAI server); "
                     "set `scoring: true` for such a server",
            )
        # always over HTTP: litellm has no way to send a token-id prompt, and scoring needs a self-hosted server
        async with self._transport("http") as transport:
            return await _all(self._score_one(transport, r) for r in requests)

    def close(self) -> None:
        """Nothing to release: HTTP sessions live only as long as one batch."""

    async def _generate_one(self, transport: Any, request: GenerateRequest) -> GenerateResponse:
        endpoint = "chat/completions" if request.messages is not None else "completions"
        payload = generate_payload(request, self.wire_model)
        try:
            (data, cost), latency_ms = await self._call(lambda: transport.post(endpoint, payload))
            return parse_generate_response(data, request, cost=None if self.self_hosted else cost,
                                           latency_ms=latency_ms)
        except (TransientBackendError, RequestRejected, MalformedOutputError) as error:
            return GenerateResponse(generations=[], error=str(error))

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


async def _all(calls: Any) -> list[Any]:
    """Run every call concurrently, results in order. A whole-batch error (a BackendError such as a bad API key)
    cancels the other calls and is raised as itself, not wrapped in an ExceptionGroup, so callers catch it by type."""
    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(call) for call in calls]
    except BaseExceptionGroup as failed:
        raise failed.exceptions[0] from None
    return [task.result() for task in tasks]
