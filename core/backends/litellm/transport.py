"""Two ways of sending an OpenAI-format request, with one classification of what went wrong.

`LiteLLMTransport` goes through litellm (every provider litellm knows, with its price table). `HTTPTransport`
posts straight to an OpenAI-compatible server (vLLM, SGLang, llama.cpp, a proxy): litellm spends about 6 ms of
CPU per call on this machine, which caps a 2-core box near 150 calls/s, while a self-hosted server is expected to
take thousands. A payload's `extra_body` (fields outside the OpenAI API, such as vLLM's `structured_outputs`) is
merged over the model spec's `extra_body` and sent in the JSON body, as the OpenAI SDK does. Both return the
response body as a dict and raise:

- `TransientBackendError` for what a retry may fix (429 with its Retry-After, 408, 5xx, connection errors,
  malformed bodies), which the backend retries per request;
- `RequestRejected` for a request the server refuses (other 4xx), which fails only that item;
- `BackendError` for what fails every request alike (401, 403, 404: key, permission, model name), which stops the
  batch.
"""

from __future__ import annotations

import email.utils
import json
import os
import time
from typing import Any, Mapping

from synthloom.errors import BackendError, ConfigError, TransientBackendError

FATAL_STATUSES = {401: "authentication failed", 403: "permission denied", 404: "model or endpoint not found"}


class RequestRejected(BackendError):
    """The server refused this one request (a 4xx other than auth and not-found); retrying will not help."""


def retry_after_s(headers: Mapping[str, str] | None) -> float | None:
    """Seconds to wait from `retry-after-ms` or `retry-after` (seconds, fractional accepted, or an HTTP date)."""
    if not headers:
        return None
    lowered = {k.lower(): v for k, v in headers.items()}
    try:
        if "retry-after-ms" in lowered:
            return max(0.0, float(lowered["retry-after-ms"]) / 1000)
        if "retry-after" in lowered:
            value = lowered["retry-after"]
            try:
                return max(0.0, float(value))
            except ValueError:
                return max(0.0, email.utils.parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None
    return None


def classify(status: int | None, message: str, where: str, headers: Mapping[str, str] | None = None) -> BackendError:
    """The exception for a failed call; `status` None means no HTTP answer at all (connection, timeout)."""
    if status is None or status in (408, 409) or status >= 500:
        label = "no answer" if status is None else f"HTTP {status}"
        return TransientBackendError(f"{label}: {message}", where=where)
    if status == 429:
        return TransientBackendError(f"rate limited (HTTP 429): {message}", where=where,
                                     retry_after_s=retry_after_s(headers))
    if status in FATAL_STATUSES:
        return BackendError(f"{FATAL_STATUSES[status]} (HTTP {status}): {message}", where=where,
                            hint="check the model name, api_base and api_key of this model in the campaign")
    return RequestRejected(f"request rejected (HTTP {status}): {message}", where=where)


class LiteLLMTransport:
    """Calls through `litellm.acompletion` / `atext_completion`, with litellm's own retries switched off."""

    def __init__(self, model: str, *, api_base: str | None, api_key: str | None, timeout_s: float,
                 extra_body: dict[str, Any]) -> None:
        self.model = model
        self.common: dict[str, Any] = {"timeout": timeout_s, "max_retries": 0, "num_retries": 0}
        if api_base:
            self.common["api_base"] = api_base
        if api_key:
            self.common["api_key"] = api_key
        self.extra_body = extra_body
        self._litellm = import_litellm()
        # whether litellm's model table says the model takes a JSON schema in `response_format`
        self.response_schema = bool(self._litellm.supports_response_schema(model=model))
        if not api_key:
            self._check_credentials(model, api_base)
        from openai import APIError  # the base of every litellm API exception; litellm depends on openai

        self._api_error = APIError

    def _check_credentials(self, model: str, api_base: str | None) -> None:
        """Fail the batch up front when the provider's key is missing: litellm reports it as a server error,
        which would otherwise be retried for every request."""
        missing = self._litellm.validate_environment(model=model, api_base=api_base).get("missing_keys") or []
        missing = [key for key in missing if not (api_base and key.endswith("_API_BASE"))]
        if missing:
            raise ConfigError(f"no credentials for litellm model {model!r}: {', '.join(missing)} not set",
                              where=f"model {model!r}", hint="set the environment variable, or `api_key` in the spec")

    async def post(self, endpoint: str, payload: dict[str, Any]) -> tuple[dict[str, Any], float | None]:
        """The response body and litellm's price for it (None when it has none)."""
        litellm = self._litellm
        call = litellm.acompletion if endpoint == "chat/completions" else litellm.atext_completion
        kwargs = {**payload, **self.common, "model": self.model}
        extra_body = {**self.extra_body, **payload.get("extra_body", {})}
        if extra_body:
            kwargs["extra_body"] = extra_body
        try:
            response = await call(**kwargs)
        except self._api_error as error:
            status = getattr(error, "status_code", None)
            headers = getattr(error, "litellm_response_headers", None) or getattr(
                getattr(error, "response", None), "headers", None)
            raise classify(status, str(error), f"litellm model {self.model!r}", headers) from None
        cost = (getattr(response, "_hidden_params", None) or {}).get("response_cost")
        return response.model_dump(), cost


class HTTPTransport:
    """POSTs to `{api_base}/{endpoint}` with one aiohttp session per batch (sessions are bound to an event loop)."""

    # the servers it is for (vLLM, SGLang, llama.cpp) take a JSON schema in `response_format`
    response_schema = True

    def __init__(self, model: str, *, api_base: str, api_key: str | None, concurrency: int,
                 extra_body: dict[str, Any]) -> None:
        import aiohttp

        self.model = model
        self.api_base = api_base.rstrip("/")
        self.extra_body = extra_body
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._aiohttp = aiohttp
        self._session = aiohttp.ClientSession(
            headers=headers,
            connector=aiohttp.TCPConnector(limit=concurrency),
            timeout=aiohttp.ClientTimeout(total=None),
            json_serialize=json.dumps,
        )

    async def post(self, endpoint: str, payload: dict[str, Any]) -> tuple[dict[str, Any], float | None]:
        url = f"{self.api_base}/{endpoint}"
        where = f"server {self.api_base!r}"
        fields = {k: v for k, v in payload.items() if k != "extra_body"}
        body = {**fields, **self.extra_body, **payload.get("extra_body", {}), "model": self.model}
        try:
            async with self._session.post(url, json=body) as response:
                raw = await response.read()
                status, headers = response.status, response.headers
        except self._aiohttp.ClientError as error:
            raise classify(None, f"{type(error).__name__}: {error}", where) from None
        if status >= 400:
            raise classify(status, _error_text(raw), where, headers)
        try:
            return json.loads(raw), None
        except ValueError:
            raise TransientBackendError(f"the server answered HTTP {status} with a body that is not JSON: "
                                        f"{raw[:80]!r}", where=where) from None

    async def close(self) -> None:
        await self._session.close()


def _error_text(raw: bytes) -> str:
    try:
        data = json.loads(raw)
        return str(data.get("error", {}).get("message") or data)
    except (ValueError, AttributeError):
        return raw[:200].decode(errors="replace")


def import_litellm() -> Any:
    """litellm, imported on first use (it takes seconds) and told not to fetch its price map over the network."""
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm

    litellm.suppress_debug_info = True
    return litellm
