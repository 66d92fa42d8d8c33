"""Replay judges for OPTune campaigns: a score that depends on the response, and one that never does."""

from __future__ import annotations

from synthloom import GenerateRequest


def _response(request: GenerateRequest) -> str:
    text = request.prompt if request.prompt is not None else request.messages[-1].content  # type: ignore[index]
    return str(text).split("Response: ", 1)[1].rsplit("\nEnd with", 1)[0]


def varied(request: GenerateRequest) -> str:
    """A score from 0 to 9 that follows the response's characters."""
    return f"Score: {sum(map(ord, _response(request))) % 10}"


def constant(request: GenerateRequest) -> str:
    return "Score: 5"
