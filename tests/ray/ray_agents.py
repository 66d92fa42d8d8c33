"""Agents, replay functions and sandboxes for the Ray tests: faults that happen only inside a Ray actor (a worker
that kills its own process), so that the same campaign run locally gives the reference content."""

from __future__ import annotations

import json
import os
import signal
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

from synthloom import Agent, Context, GenerateRequest, hookimpl
from synthloom.backends.replay import prompt_text
from synthloom.errors import SandboxError
from synthloom.plugins.basic.kinds import Generated, Prompt

PAID_LOG = "SYNTHLOOM_TEST_PAID"  # a file: one line per call the backend answered (each one paid)
MARKERS = "SYNTHLOOM_TEST_MARKERS"  # a folder: which one-time faults already happened


def paid_echo(request: GenerateRequest) -> str:
    """Answers after 20 ms, and logs each prompt it answers, so a test can tell what was paid and how often."""
    time.sleep(0.02)
    text = prompt_text(request)
    if os.environ.get(PAID_LOG):
        with open(os.environ[PAID_LOG], "a", encoding="utf-8") as log:
            log.write(json.dumps(text) + "\n")
    return "Score: 9" if text.startswith("Rate the response") else "echo: " + text[:40]


def in_ray_actor() -> bool:
    import sys

    ray = sys.modules.get("ray")
    return bool(ray and ray.is_initialized() and ray.get_runtime_context().get_actor_id())


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


class AnswerThenDie(Agent):
    """Answers its batch with the model; in a Ray actor, the first batch holding item 5 then kills its process
    (after the replies were journaled, before the batch was committed)."""

    name = "ray_testing.answer_then_die"
    consumes = (Prompt,)
    produces = (Generated,)
    batch_size = 4

    async def handle(self, batch: list[Prompt], ctx: Context) -> list[Generated]:
        replies = await ctx.model().generate([GenerateRequest(prompt=p.instruction, seed=ctx.seed_for(p.id))
                                              for p in batch])
        if in_ray_actor() and any(" number 5 " in p.instruction for p in batch):
            marker = Path(os.environ[MARKERS]) / f"{ctx.campaign}-{ctx.agent}"
            if not marker.exists():
                marker.touch()
                _die()
        return [Generated(parents=[p], instruction=p.instruction, response=r.texts()[0])
                for p, r in zip(batch, replies)]


class SmallBatchesOnly(Agent):
    """In a Ray actor, kills its process on any batch of more than one item (a stand-in for a worker that runs out
    of memory on big batches), and on every batch holding a 'poison' item."""

    name = "ray_testing.small_batches_only"
    consumes = (Prompt,)
    produces = (Generated,)
    batch_size = 4

    def handle(self, batch: list[Prompt], ctx: Context) -> list[Generated]:
        if in_ray_actor() and (len(batch) > 1 or any("poison" in p.instruction for p in batch)):
            _die()
        return [Generated(parents=[p], instruction=p.instruction, response=p.instruction.upper()) for p in batch]


class RunCode(Agent):
    """Evaluates a one-line function on each instruction in the sandbox."""

    name = "ray_testing.run_code"
    consumes = (Prompt,)
    produces = (Generated,)
    batch_size = 4

    async def handle(self, batch: list[Prompt], ctx: Context) -> list[Generated]:
        results = await ctx.sandbox.evaluate_many([("def evaluate(x):\n    return len(x)\n", [p.instruction])
                                                   for p in batch])
        return [Generated(parents=[p], instruction=p.instruction, response=str(outcomes[0].value))
                for p, outcomes in zip(batch, results)]


@dataclass(frozen=True)
class FakeOutcome:
    status: str
    value: Any
    error: str | None = None
    duration_ms: float = 0.1

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class FakeSandbox:
    """Runs nothing: answers len(input), as the one-line verifier of `RunCode` would."""

    def evaluate_many(self, jobs: Sequence[tuple[str, Sequence[Any]]], entrypoint: str = "evaluate",
                      timeout_s: float = 5.0) -> list[list[FakeOutcome]]:
        return [[FakeOutcome("ok", len(value)) for value in inputs] for _, inputs in jobs]

    def close(self) -> None:
        pass


def fake_sandbox() -> FakeSandbox:
    return FakeSandbox()


def missing_image_sandbox() -> FakeSandbox:
    raise SandboxError("the sandbox image 'synthloom-sandbox:missing' is not present", where="DockerSandbox")


@hookimpl
def register_agents(register: Callable[[type], None]) -> None:
    for agent in (AnswerThenDie, SmallBatchesOnly, RunCode):
        register(agent)
