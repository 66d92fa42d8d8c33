"""Replay functions importable by campaigns in tests (`function: tests.core.replay_functions:NAME`)."""

from __future__ import annotations

import time

from synthloom.backends.base import GenerateRequest
from synthloom.backends.replay import prompt_text


def slow_echo(request: GenerateRequest) -> str:
    """Answers after a few milliseconds, so that a test can interrupt a campaign in the middle."""
    time.sleep(0.004)
    text = prompt_text(request)
    if text.startswith("Rate the response"):
        return "Score: 9"
    return "echo: " + text[:40]
