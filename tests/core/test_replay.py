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
