"""How a litellm model is asked to honour a request's constraint (`json_schema`, `regex` or `choice`).

| constraint | vLLM's server (`hosted_vllm/`) | other server (`api_base`) | hosted API |
|---|---|---|---|
| `json_schema`, chat | `response_format` | `response_format` | `response_format` if litellm says the model takes it |
| `json_schema`, text completion | `structured_outputs.json` | cannot | cannot |
| `regex`, `choice` | `structured_outputs.regex` / `.choice` | cannot | cannot |

Where the model cannot enforce the constraint, the model option `structured` decides: `enforce` (the default) fails
the request's item with a ConfigError naming the model and the constraint, before anything is sent; `validate`
sends the request unconstrained, warns once per model and kind of constraint, and leaves the reply to the check
that every reply gets afterwards (`schema_check`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from synthloom.backends.base import GenerateRequest
from synthloom.backends.vllm.wire import structured


@dataclass(frozen=True)
class StructuredSupport:
    """What the model's server can enforce."""

    vllm: bool  # vLLM's `structured_outputs` body field: json, regex, choice; chat and text completions
    response_schema: bool  # OpenAI's `response_format` with a JSON schema, on chat requests


def constraint_fields(request: GenerateRequest, support: StructuredSupport) -> dict[str, Any] | None:
    """Payload fields that make the server enforce the request's constraint: `{}` when it has none, None when the
    server cannot. Fields outside the OpenAI API travel in `extra_body`, as the OpenAI SDK and litellm send them."""
    if not request.structured:
        return {}
    if request.json_schema is not None and request.messages is not None and support.response_schema:
        return {"response_format": {"type": "json_schema",
                                    "json_schema": {"name": "output", "schema": request.json_schema, "strict": True}}}
    if support.vllm:
        return {"extra_body": {"structured_outputs": structured(request)}}
    return None
