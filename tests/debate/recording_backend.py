"""A test plugin with a `recording` backend: it answers debate prompts in their formats after `delay_s`, and
records every `generate` call (model, requests, start, end), so that tests can see how turns were batched and
whether two debaters' models ran at the same time."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Callable

from synthloom import BackendType, GenerateRequest, GenerateResponse, Generation, ModelSpec, hookimpl


@dataclass(frozen=True)
class Call:
    model: str
    kinds: tuple[str, ...]
    start: float
    end: float


CALLS: list[Call] = []


def prompt_kind(request: GenerateRequest) -> str:
    text = request.messages[-1].content
    if "serial digit" in text:
        return "list"
    if "You are watching a debating" in text:
        return "conclusion"
    return "turn"


class RecordingBackend:
    can_score = False

    def __init__(self, spec: ModelSpec) -> None:
        self.name = spec.model
        self.delay_s = float(spec.options.get("delay_s", 0.0))
        self.id = f"recording:{spec.model}"

    def _answer(self, request: GenerateRequest) -> str:
        kind = prompt_kind(request)
        if kind == "list":
            return f"Arguments of {self.name}:\n1. {self.name} reason one.\n2. {self.name} reason two.\n3. Three."
        turns = request.messages[-1].content.count("\n") - 2
        return f"{self.name} {kind} after {turns} lines"

    async def generate(self, requests: list[GenerateRequest]) -> list[GenerateResponse]:
        start = time.perf_counter()
        await asyncio.sleep(self.delay_s)
        CALLS.append(Call(self.name, tuple(prompt_kind(r) for r in requests), start, time.perf_counter()))
        return [GenerateResponse(generations=[Generation(text=self._answer(r), finish_reason="stop")])
                for r in requests]

    async def score(self, requests: list) -> list:
        raise NotImplementedError

    def close(self) -> None:
        pass


@hookimpl
def register_backends(register: Callable[[str, BackendType], None]) -> None:
    register("recording", RecordingBackend)
