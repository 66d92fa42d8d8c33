"""How an agent samples its model: one config every agent shares, and the request it builds.

Agents differ in their defaults (a judge is greedy, a writer samples at 1.0), not in the fields, so a config
derives its own defaults from this one with `SamplingConfig.with_defaults(...)` rather than declaring the fields
again; the constraints (`temperature >= 0`, ...) then hold everywhere.
"""

from __future__ import annotations

from typing import Any, Sequence

from pydantic import Field, create_model
from pydantic.fields import FieldInfo

from synthloom.agents import AgentConfig
from synthloom.backends.base import ChatMessage, GenerateRequest


class SamplingConfig(AgentConfig):
    """`samples` replies per input come from one request with `n = samples`."""

    samples: int = Field(default=1, ge=1, description="replies per input (the request's n)")
    temperature: float = Field(default=0.7, ge=0.0)
    top_p: float = Field(default=1.0, gt=0.0, le=1.0)
    max_tokens: int = Field(default=512, ge=1)

    @classmethod
    def with_defaults(cls, **defaults: Any) -> type["SamplingConfig"]:
        """A subclass whose fields keep their types and constraints but start from other defaults."""
        unknown = sorted(set(defaults) - set(cls.model_fields))
        if unknown:
            raise TypeError(f"{cls.__name__} has no field(s) {', '.join(unknown)}")
        fields: dict[str, Any] = {}
        for name, value in defaults.items():
            info = cls.model_fields[name]
            fields[name] = (info.annotation, FieldInfo.merge_field_infos(info, default=value))
        return create_model(cls.__name__, __base__=cls, __module__=cls.__module__, **fields)

    def request(self, prompt: str | Sequence[ChatMessage], *, seed: int | None, n: int | None = None,
                system: str | None = None, style: str = "chat", **fields: Any) -> GenerateRequest:
        """A request sampled as this config says: a chat request for one user turn (or the given messages), or with
        `style="completion"` a plain text prompt for a base model to continue (`ModelClient.prompt_style`).

        `fields` are other GenerateRequest fields (stop, json_schema, regex, choice, ...).
        """
        sampling = dict(n=n or self.samples, temperature=self.temperature, top_p=self.top_p,
                        max_tokens=self.max_tokens, seed=seed, **fields)
        if style == "completion" and isinstance(prompt, str):
            return GenerateRequest(prompt=prompt, **sampling)
        if isinstance(prompt, str):
            head = [ChatMessage(role="system", content=system)] if system else []
            return GenerateRequest(messages=[*head, ChatMessage(role="user", content=prompt)], **sampling)
        return GenerateRequest(messages=list(prompt), **sampling)
