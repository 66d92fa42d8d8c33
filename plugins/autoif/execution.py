"""Running verification functions in the sandbox, for agents (through `ctx.sandbox`) and the stand-alone commands
(through a `DockerSandbox`) alike.

All functions of a whole batch go to the sandbox in one `evaluate_many` call, one job per function with every input,
because per-job overhead, not the verifiers themselves, dominates the cost.
"""

from __future__ import annotations

import asyncio
from typing import Any, Awaitable, Callable, Sequence

EvaluateMany = Callable[[list[tuple[str, list[Any]]]], Awaitable[list[list[Any]]]]


def values(outcomes: Sequence[Any]) -> list[Any]:
    """The returned values, None where the call raised, timed out, was killed or printed too much: the reference
    treats all of those as `res = None`."""
    return [o.value if o.status == "ok" else None for o in outcomes]


async def run_groups(evaluate_many: EvaluateMany, groups: Sequence[tuple[Sequence[str], Sequence[Any]]]
                     ) -> list[list[list[Any]]]:
    """For each group (functions, inputs): `results[f][i]`, the value of function f on input i."""
    jobs = [(func, list(inputs)) for funcs, inputs in groups for func in funcs if inputs]
    outcomes = iter(await evaluate_many(jobs) if jobs else [])
    matrices = []
    for funcs, inputs in groups:
        matrices.append([values(next(outcomes)) if inputs else [] for _ in funcs])
    return matrices


def context_evaluator(ctx: Any, timeout_s: float) -> EvaluateMany:
    """The campaign's sandbox, which also logs every run to the store."""
    return lambda jobs: ctx.sandbox.evaluate_many(jobs, entrypoint="evaluate", timeout_s=timeout_s)


def sandbox_evaluator(sandbox: Any, timeout_s: float) -> EvaluateMany:
    """A `DockerSandbox` used directly, for the `synthloom autoif` commands that run without a campaign."""
    async def evaluate_many(jobs: list[tuple[str, list[Any]]]) -> list[list[Any]]:
        return await asyncio.to_thread(sandbox.evaluate_many, jobs, entrypoint="evaluate", timeout_s=timeout_s)

    return evaluate_many
