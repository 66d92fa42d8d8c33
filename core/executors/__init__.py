"""Where a campaign's agents run: in this process (`local`) or on a Ray cluster (`ray`).

`plan_for` returns an executor plan: the kind of store the run writes (a DuckDB file, or a shard directory), the
session around the run (connecting to the cluster first, so that an unreachable one stops the run before anything
is written), and the executor the scheduler hands its batches to. Ray is imported only by a Ray run.
"""

from __future__ import annotations

from typing import Any, Sequence

from synthloom.executors.local import LocalPlan
from synthloom.executors.spec import ExecutorSpec


def plan_for(spec: ExecutorSpec, plugins: Sequence[tuple[str, object]] = ()) -> Any:
    """The plan of a run with `spec`; `plugins` are the hook modules given in code, which Ray actors load too."""
    if spec.kind == "ray":
        from synthloom.executors.ray_plan import RayPlan

        return RayPlan(spec, list(plugins))
    return LocalPlan()


__all__ = ["ExecutorSpec", "LocalPlan", "plan_for"]
