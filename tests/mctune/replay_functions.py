"""Replay replies for MCTune campaigns: every test example is answered with the same short text."""

from __future__ import annotations

from synthloom import GenerateRequest, GenerateResponse, Generation

ANSWER = "The cat sat."


def answer(request: GenerateRequest) -> GenerateResponse:
    assert request.prompt is not None and request.prompt.endswith("### Response:\n")  # completion-style prompt
    return GenerateResponse(generations=[Generation(text=ANSWER, finish_reason="stop")])
