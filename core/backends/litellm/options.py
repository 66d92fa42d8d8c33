"""What a litellm model spec may say, and how it resolves (transport, scoring) without importing litellm.

The checks here run when a campaign loads, so a model name without its provider, or a self-hosted server without
its URL, is reported before anything is paid for.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from synthloom.backends.base import ModelSpec
from synthloom.errors import ConfigError

SELF_HOSTED_PROVIDERS = {"hosted_vllm"}
# what to do with a constraint the model cannot enforce (see `structured`)
StructuredMode = Literal["enforce", "validate"]


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
    structured: StructuredMode = Field(default="enforce", description="a constraint the model cannot enforce: "
                                       "`enforce` fails the item, `validate` sends it unconstrained and checks")


@dataclass(frozen=True)
class Route:
    """How calls to one model travel: its provider, the name sent on the wire, the transport, and scoring."""

    provider: str
    wire_model: str
    self_hosted: bool
    transport: Literal["litellm", "http"]
    can_score: bool


def route(model: str, options: LiteLLMOptions) -> Route:
    """Resolve a model and its options, or raise ConfigError saying what is missing."""
    if "/" not in model:
        raise ConfigError(f"litellm model {model!r} has no provider prefix", where=f"model {model!r}",
                          hint="name it as PROVIDER/MODEL, e.g. openai/gpt-4o-mini or hosted_vllm/NAME")
    provider, wire_model = model.split("/", 1)
    self_hosted = provider in SELF_HOSTED_PROVIDERS or options.api_base is not None
    if options.transport != "auto":
        transport = options.transport
    else:
        direct = provider in SELF_HOSTED_PROVIDERS or (provider == "openai" and options.api_base)
        transport = "http" if direct else "litellm"
    if transport == "http" and not options.api_base:
        raise ConfigError(f"transport 'http' needs `api_base` for model {model!r}", where=f"model {model!r}",
                          hint="set api_base to the server's /v1 URL, e.g. http://127.0.0.1:8000/v1")
    can_score = options.scoring if options.scoring is not None else self_hosted
    if can_score and not options.api_base:
        raise ConfigError(f"scoring with model {model!r} needs `api_base`", where=f"model {model!r}",
                          hint="scoring posts echo+logprobs completions to a self-hosted server's /v1 URL")
    return Route(provider, wire_model, self_hosted, transport, can_score)


def check(spec: ModelSpec, options: LiteLLMOptions) -> None:
    route(spec.model, options)


def describe(spec: ModelSpec, options: LiteLLMOptions) -> dict[str, str]:
    found = route(spec.model, options)
    return {"id": f"litellm:{spec.model}",
            "transport": f"{found.transport} ({'self-hosted' if found.self_hosted else 'hosted API'})",
            "can score": "yes (echo + logprobs)" if found.can_score else "no"}
