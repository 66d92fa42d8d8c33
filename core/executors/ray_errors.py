"""What a failure on a Ray worker means for the campaign: the agent's own error, or a worker that died.

Ray wraps an exception raised in an actor in its own type, with the remote traceback in the text; the scheduler
decides by the agent's error (an `ItemError`, `BudgetExhausted`, a bug), so the cause is raised again as it was. A
worker that died (killed, out of memory, crashed) after Ray's retries becomes an `ItemError`: the scheduler then
retries the batch item by item, and an item that kills its worker every time is recorded as a failure with the
reason Ray gave.
"""

from __future__ import annotations

from synthloom.errors import ItemError


def cause_of(error: BaseException, running: str) -> BaseException:
    """The error to raise for `error`, from the worker running `running` (e.g. "agent 'judge'")."""
    import ray.exceptions as ray_errors

    if isinstance(error, ray_errors.RayTaskError):
        cause = getattr(error, "cause", None)
        return cause if isinstance(cause, Exception) else ItemError(_first_line(error))
    if isinstance(error, ray_errors.RayError):
        return ItemError(f"the Ray worker running {running} died while handling this batch: {_first_line(error)}",
                         hint="if it ran out of memory, lower the agent's batch_size or give its actors more memory "
                              "(`memory_mb:` under executor.agents)")
    return error


def _first_line(error: BaseException) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[0][:500] if lines else type(error).__name__
