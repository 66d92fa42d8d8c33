"""A backend that answers from rules, recorded files or a Python callable, instantly and deterministically.

It serves three purposes: deterministic tests, benchmarks of the framework's own overhead, and importing
generations recorded elsewhere (a JSONL file of prompt/response pairs) into a campaign without calling a model.
Replies are checked against a request's constraint like every backend's (`parsed`, `schema_error`).
"""

from __future__ import annotations

import importlib
import json
import re
from pathlib import Path
from typing import Any, Callable

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from synthloom.backends.base import (
    GenerateRequest,
    GenerateResponse,
    Generation,
    ModelSpec,
    ScoreRequest,
    ScoreResponse,
)
from synthloom.backends.schema_check import check_generation
from synthloom.errors import CannotScoreError, ConfigError, TransientBackendError
from synthloom.messages import stable_hash


_BACKREF = re.compile(r"\\(\d|g<)")


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    match: str = ""
    reply: str | list[str] = ""
    fail: str | None = Field(default=None, pattern="^(transient|error)$")
    times: int | None = None


class ReplayOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rules: list[Rule] = Field(default_factory=list)
    default: str | None = None
    file: str | None = None
    function: str | None = None
    score_function: str | None = None


def _import(target: str, what: str) -> Callable[..., Any]:
    module, _, attr = target.partition(":")
    try:
        return getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError) as error:
        raise ConfigError(f"cannot import replay {what} {target!r}: {error}",
                          hint="give it as 'package.module:function', importable from the campaign's environment")


def prompt_text(request: GenerateRequest) -> str:
    """The text rules match against: the plain prompt, or the chat turns joined by newlines."""
    if request.prompt is not None:
        return request.prompt
    return "\n".join(m.content for m in request.messages or [])


def _load_recorded(path: Path) -> dict[str, list[str]]:
    """A JSONL file of {"prompt": ..., "response": ... | [...]}: replies keyed by the prompt text."""
    recorded: dict[str, list[str]] = {}
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise ConfigError(f"replay file {str(path)!r} does not exist") from None
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            reply = row["response"]
            recorded[row["prompt"]] = reply if isinstance(reply, list) else [reply]
        except (json.JSONDecodeError, KeyError, TypeError) as error:
            raise ConfigError(f"bad replay record: {error}", where=f"{path}:{number}",
                              hint='each line must be {"prompt": "...", "response": "..."}') from None
    return recorded


class ReplayBackend:
    def __init__(self, options: ReplayOptions) -> None:
        self.options = options
        self._rules = [(re.compile(rule.match, re.S), rule) for rule in options.rules]
        self._failures: dict[int, int] = {}
        self._recorded = _load_recorded(Path(options.file)) if options.file else {}
        self._function = _import(options.function, "function") if options.function else None
        self._score_function = _import(options.score_function, "score function") if options.score_function else None
        self.id = "replay:" + stable_hash(options.model_dump(mode="json"), length=12)
        self.can_score = self._score_function is not None

    async def generate(self, requests: list[GenerateRequest]) -> list[GenerateResponse]:
        return [self._answer(request) for request in requests]

    def _answer(self, request: GenerateRequest) -> GenerateResponse:
        text = prompt_text(request)
        if self._function is not None:
            return _as_response(self._function(request), request, text)
        if text in self._recorded:
            return _as_response(self._recorded[text], request, text)
        for index, (pattern, rule) in enumerate(self._rules):
            found = pattern.search(text)
            if not found:
                continue
            if rule.fail is not None:
                used = self._failures.get(index, 0)
                if rule.times is None or used < rule.times:
                    self._failures[index] = used + 1
                    if rule.fail == "transient":
                        raise TransientBackendError(f"replay rule {rule.match!r} injected a transient failure",
                                                    retry_after_s=0.0)
                    return GenerateResponse(generations=[], error=f"replay rule {rule.match!r} injected an error")
                continue
            replies = rule.reply if isinstance(rule.reply, list) else [rule.reply]
            return _as_response([_expand(found, r) if _BACKREF.search(r) else r for r in replies], request, text)
        if self.options.default is not None:
            return _as_response([self.options.default], request, text)
        return GenerateResponse(generations=[], error=f"no replay rule matches the prompt {text[:80]!r}")

    async def score(self, requests: list[ScoreRequest]) -> list[ScoreResponse]:
        if self._score_function is None:
            raise CannotScoreError("the replay backend scores only with `score_function` set")
        return [ScoreResponse.model_validate(self._score_function(r)) for r in requests]

    def close(self) -> None:
        pass


def _expand(found: re.Match[str], template: str) -> str:
    """`found.expand(template)`, through `sub`, which keeps parsed templates (Python 3.11's `expand` parses the
    template again at every call: a third of a replay campaign's time in the backend)."""
    text = found.string
    replaced = found.re.sub(template, text, count=1)
    return replaced[found.start():len(replaced) - (len(text) - found.end())]


def _as_response(value: Any, request: GenerateRequest, text: str) -> GenerateResponse:
    if isinstance(value, GenerateResponse):
        return value
    replies = [value] if isinstance(value, str) else list(value)
    texts = [replies[i % len(replies)] for i in range(request.n)]
    prompt_tokens = len(text.split())
    return GenerateResponse(generations=[check_generation(Generation(text=t, finish_reason="stop"), request)
                                         for t in texts],
                            prompt_tokens=prompt_tokens, completion_tokens=sum(len(t.split()) for t in texts),
                            cost=None)


def create(spec: ModelSpec) -> ReplayBackend:
    try:
        options = ReplayOptions.model_validate(spec.options)
    except ValidationError as error:
        first = error.errors()[0]
        raise ConfigError(f"replay backend: {'.'.join(map(str, first['loc']))}: {first['msg']}",
                          hint="options: rules, default, file, function, score_function") from None
    return ReplayBackend(options)
