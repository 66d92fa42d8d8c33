"""The replay backend: rules with capture groups, recorded JSONL files, callables, and its errors."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from synthloom.backends.base import ChatMessage, GenerateRequest, ModelSpec
from synthloom.backends.replay import create
from synthloom.errors import CannotScoreError, ConfigError, TransientBackendError


def _ask(backend, text: str, n: int = 1):
    request = GenerateRequest(messages=[ChatMessage(role="user", content=text)], n=n)
    return asyncio.run(backend.generate([request]))[0]


def test_rules_expand_groups_and_cycle_replies_for_n() -> None:
    backend = create(ModelSpec(backend="replay", rules=[{"match": r"number (\d+)", "reply": ["a\\1", "b\\1"]}]))
    assert [g.text for g in _ask(backend, "give number 42", n=3).generations] == ["a42", "b42", "a42"]
    assert _ask(backend, "nothing").error.startswith("no replay rule matches")


@pytest.mark.parametrize(("match", "reply", "prompt", "expected"), [
    (r"(?s)^(.{0,12})", "echo: \\1", "a prompt longer than twelve", "echo: a prompt lon"),
    (r"x (?P<n>\d+) (\w+)", "\\g<n>-\\2\\n\\g<0>", "say x 42 words here", "42-words\nx 42 words"),
    (r"z*", "[\\g<0>]", "abc", "[]"),
])
def test_replies_expand_as_python_does(match: str, reply: str, prompt: str, expected: str) -> None:
    import re

    assert re.compile(match, re.S).search(prompt).expand(reply) == expected  # the reference: Match.expand
    backend = create(ModelSpec(backend="replay", rules=[{"match": match, "reply": reply}]))
    assert _ask(backend, prompt).generations[0].text == expected


def test_recorded_file_answers_by_prompt(tmp_path: Path) -> None:
    recorded = tmp_path / "recorded.jsonl"
    recorded.write_text(json.dumps({"prompt": "hello", "response": "recorded hi"}) + "\n")
    backend = create(ModelSpec(backend="replay", file=str(recorded), default="fallback"))
    assert _ask(backend, "hello").texts() == ["recorded hi"]
    assert _ask(backend, "other").texts() == ["fallback"]
    recorded.write_text("not json\n")
    with pytest.raises(ConfigError, match="recorded.jsonl:1"):
        create(ModelSpec(backend="replay", file=str(recorded)))


def test_injected_transient_failures_then_success() -> None:
    backend = create(ModelSpec(backend="replay", rules=[{"match": "x", "fail": "transient", "times": 1},
                                                        {"match": "x", "reply": "ok"}]))
    with pytest.raises(TransientBackendError):
        _ask(backend, "x")
    assert _ask(backend, "x").texts() == ["ok"]


def test_bad_options_and_scoring_without_function() -> None:
    with pytest.raises(ConfigError, match="replay backend: colour"):
        create(ModelSpec(backend="replay", colour="red"))
    with pytest.raises(ConfigError, match="cannot import replay function"):
        create(ModelSpec(backend="replay", function="no.such.module:fn"))
    backend = create(ModelSpec(backend="replay", default="x"))
    assert backend.can_score is False
    with pytest.raises(CannotScoreError):
        asyncio.run(backend.score([]))


def test_replies_without_group_references_are_kept_literally() -> None:
    reply = '{"func": "def evaluate(r):\\n    return True"}'
    backend = create(ModelSpec(backend="replay", rules=[{"match": "x", "reply": reply}]))
    assert _ask(backend, "x").texts() == [reply]
