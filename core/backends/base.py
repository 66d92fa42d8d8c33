"""The backend protocol: every model call in synthloom goes through `generate` or `score` with whole batches.

Requests are plain pydantic models so that they hash stably (the response cache and resume rely on it) and can be
logged verbatim to the store.
"""

from __future__ import annotations

from typing import Any, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

from synthloom.errors import ItemError
from synthloom.messages import Image, canonical_json, hash_text


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Literal["system", "user", "assistant"]
    content: str
    images: list[Image] = Field(default_factory=list)


# Request fields added after stores were first written: left out of the cache key while unset, so that requests
# stored before they existed still hit the cache.
_LATER_FIELDS = ("regex", "choice")


class GenerateRequest(BaseModel):
    """One prompt (chat `messages` or plain `prompt`), asking for `n` completions.

    At most one of `json_schema`, `regex` or `choice` constrains the reply's form: backends that can decode under a
    grammar do so, and every reply is checked against it afterwards (`Generation.parsed` / `schema_error`).
    """

    model_config = ConfigDict(extra="forbid")

    messages: list[ChatMessage] | None = None
    prompt: str | None = None
    n: int = Field(default=1, ge=1)
    temperature: float = Field(default=0.0, ge=0.0)
    top_p: float = Field(default=1.0, gt=0.0, le=1.0)
    max_tokens: int = Field(default=256, ge=1)
    stop: list[str] = Field(default_factory=list)
    seed: int | None = None
    json_schema: dict[str, Any] | None = None
    regex: str | None = None
    choice: list[str] | None = Field(default=None, min_length=1)

    def model_post_init(self, __context: Any) -> None:
        if (self.messages is None) == (self.prompt is None):
            raise ValueError("a GenerateRequest needs exactly one of `messages` (chat) or `prompt` (completion)")
        if sum(x is not None for x in (self.json_schema, self.regex, self.choice)) > 1:
            raise ValueError("a GenerateRequest takes at most one of `json_schema`, `regex` and `choice`")

    @property
    def structured(self) -> bool:
        """Whether the reply's form is constrained."""
        return self.json_schema is not None or self.regex is not None or self.choice is not None

    def cache_key(self, backend_id: str) -> str:
        return self.keyed(backend_id)[0]

    def keyed(self, backend_id: str) -> tuple[str, str]:
        """The cache key and the request as the JSON text the store keeps, made in one serialisation."""
        data = self.model_dump(mode="json")
        for name in _LATER_FIELDS:
            if data[name] is None:
                del data[name]
        return _keyed([backend_id], data)


class Generation(BaseModel):
    """One completion. For a constrained request, `parsed` holds the checked value (the JSON value, the matched text
    or the chosen option) or `schema_error` says why the text does not fit; `truncated` says the reply stopped
    (at `max_tokens` or a stop string) before its constraint was complete."""

    text: str
    finish_reason: str | None = None
    parsed: Any = None
    schema_error: str | None = None
    truncated: bool = False


class GenerateResponse(BaseModel):
    generations: list[Generation]
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float | None = None
    cached: bool = False
    latency_ms: float = 0.0
    truncated_prompt: bool = False
    error: str | None = None

    def texts(self) -> list[str]:
        """The completions' texts; raises ItemError when the call failed, so that only this item fails."""
        if self.error is not None:
            raise ItemError(f"model call failed: {self.error}")
        return [g.text for g in self.generations]


class ScoreRequest(BaseModel):
    """Log-probabilities of `continuation` given `prefix`.

    Text form: scoring happens on the concatenation `prefix + continuation`; the tokenizer decides the token
    boundary and `ScoreResponse.tokens` reports exactly which tokens were scored (those starting at or after the end
    of `prefix`, by offset mapping). Token form (`input_ids` and `target_start`): the exact tokens are given and
    `input_ids[target_start:]` are scored; compatibility modes that must reproduce another tokenisation rule use it.
    `max_length` truncates the whole sequence from the right (the rule of Cherry LLM's reference code), and the
    response says so with `truncated`.
    """

    model_config = ConfigDict(extra="forbid")

    prefix: str = ""
    continuation: str = ""
    input_ids: list[int] | None = None
    target_start: int | None = None
    max_length: int | None = None

    def model_post_init(self, __context: Any) -> None:
        if self.input_ids is not None:
            if self.target_start is None or not 0 <= self.target_start < len(self.input_ids):
                raise ValueError("a token-form ScoreRequest needs 0 <= target_start < len(input_ids)")
        elif not self.continuation:
            raise ValueError("a ScoreRequest needs a non-empty `continuation` (or `input_ids` and `target_start`)")

    def cache_key(self, backend_id: str) -> str:
        return self.keyed(backend_id)[0]

    def keyed(self, backend_id: str) -> tuple[str, str]:
        """The cache key and the request as the JSON text the store keeps, made in one serialisation."""
        return _keyed([backend_id, "score"], self.model_dump(mode="json"))


def _keyed(head: list[str], data: dict[str, Any]) -> tuple[str, str]:
    """`stable_hash(head + [data], 32)`, and the canonical JSON of `data` that it hashes."""
    text = canonical_json(data)
    listed = "".join(canonical_json(item) + "," for item in head)
    return hash_text(f"[{listed}{text}]", 32), text


class ScoreResponse(BaseModel):
    tokens: list[str]
    logprobs: list[float]
    truncated: bool = False
    cached: bool = False
    latency_ms: float = 0.0
    error: str | None = None

    @property
    def mean_nll(self) -> float:
        """Mean negative log-likelihood per continuation token: the `s(A|Q)` of IFD."""
        if not self.logprobs:
            return float("nan")
        return -sum(self.logprobs) / len(self.logprobs)


@runtime_checkable
class Backend(Protocol):
    """What every backend implements. Both methods take and return whole batches, in order.

    A backend whose requests are billed one by one (APIs) also implements `generate_stream(requests)` (and
    `score_stream`): async iterators of `(index, response)` in the order the replies arrive. ModelClient then
    records each reply the moment it arrives, so that an interrupted batch keeps, and never pays again for, the
    calls that had finished. (`independent_requests = True` asks for the same with one `generate` call per request.)
    """

    id: str
    can_score: bool

    async def generate(self, requests: list[GenerateRequest]) -> list[GenerateResponse]: ...

    async def score(self, requests: list[ScoreRequest]) -> list[ScoreResponse]: ...

    def close(self) -> None: ...


class ModelSpec(BaseModel):
    """How a campaign names a model: `{backend: litellm, model: openai/gpt-4o-mini, ...}`.

    `prompt_style` says how agents should prompt it: `chat` (messages, through its chat template; the paper prompts)
    or `completion` (a base model: a plain text prompt, few-shot where the method has examples). Left out, the
    backend decides: the embedded base model is `completion`, a local model without a chat template too, the rest
    `chat`. Backend-specific options (api_base, tensor_parallel_size, dtype, rules, ...) are kept in `options` and
    validated by the backend's options model when the campaign loads.
    """

    model_config = ConfigDict(extra="allow")

    backend: str = "transformers"
    model: str = "embedded"
    prompt_style: Literal["chat", "completion"] | None = None

    @property
    def options(self) -> dict[str, Any]:
        return dict(self.model_extra or {})
