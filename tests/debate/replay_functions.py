"""Replay functions for debate campaigns: replies that a rule cannot express (a reply cut at the token limit)."""

from __future__ import annotations

from synthloom import GenerateRequest, GenerateResponse, Generation


def cut_off(request: GenerateRequest) -> GenerateResponse:
    """Lists two arguments; every other reply stops at the token limit (`finish_reason` "length")."""
    text = request.messages[-1].content
    if "serial digit" in text:
        return GenerateResponse(generations=[Generation(text="1. First reason.\n2. Second reason.",
                                                        finish_reason="stop")])
    return GenerateResponse(generations=[Generation(text="This reply was cut in the mid", finish_reason="length")])
