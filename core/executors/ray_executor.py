"""The Ray executor, on the driver's side: an actor pool per agent, fed batches by the local scheduler.

The scheduler is the local one, unchanged (inboxes, backpressure, sources pulled in chunks, barriers, resume
backlog, item-by-item retries): it hands a batch to `handle`, which sends it to the least busy actor of the agent's
pool and awaits its reply. An agent with `concurrency: C` and N actors has up to C x N batches in flight, C per
actor. Sources run in the driver: they read the campaign's files and pace it; what they emit, and the failures the
scheduler records, are committed by the driver's own shard writer before they are routed.

Faults: an actor whose process dies is restarted by Ray, and the batch it was running is sent to it again
(`TASK_RETRIES`); its outputs are the same ids, and the calls the dead process had made are answered from its
journal. A batch that fails on an actor has its items retried one by one on that same actor (whose cache holds the
calls the batch made), so that they are not paid again.
"""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from synthloom.campaign import ResolvedAgent
from synthloom.errors import ConfigError
from synthloom.executors.ray_errors import cause_of
from synthloom.executors.ray_sandbox import close_hosts
from synthloom.executors.ray_worker import AgentWorker, WorkerSpec
from synthloom.messages import Message

if TYPE_CHECKING:
    from synthloom.executors.spec import ExecutorSpec
    from synthloom.nodes import Node
    from synthloom.runtime import Runtime
    from synthloom.store.shard_writer import ShardWriter

TASK_RETRIES = 2  # times Ray resends a batch whose actor died (after a restart); then its items go one by one
CLOSE_TIMEOUT_S = 60.0


class ActorPool:
    """One agent's actors, how busy each is, and which actor a failed batch's items go back to."""

    def __init__(self, actors: list[Any]) -> None:
        self.actors = actors
        self.load = [0] * len(actors)
        self._affinity: dict[str, int] = {}

    def pick(self, batch: list[Message]) -> int:
        returning = [self._affinity.pop(m.id) for m in batch if m.id in self._affinity]
        return returning[0] if returning else min(range(len(self.actors)), key=self.load.__getitem__)

    def remember(self, batch: list[Message], index: int) -> None:
        self._affinity.update((m.id, index) for m in batch)


class RayExecutor:
    def __init__(self, runtime: "Runtime", pools: dict[str, ActorPool]) -> None:
        self.runtime = runtime
        self.pools = pools

    @property
    def writer(self) -> "ShardWriter":
        return self.runtime.writer  # type: ignore[return-value]

    @classmethod
    def start(cls, runtime: "Runtime", spec: "ExecutorSpec", plugins: list[tuple[str, object]]) -> "RayExecutor":
        """Create every agent's actors and wait until they are up (an actor that cannot start stops the run)."""
        import ray

        worker = ray.remote(AgentWorker)
        pools: dict[str, ActorPool] = {}
        for node in runtime.nodes.values():
            if node.cls.is_source():
                continue
            settings = spec.for_agent(node.name)
            _check_placeable(node.name, settings.num_gpus)
            options: dict[str, Any] = {"max_restarts": -1, "max_task_retries": TASK_RETRIES,
                                       "max_concurrency": node.concurrency + 1}
            # Only what the campaign asks for: naming any resource makes Ray reserve a CPU for the actor's whole
            # life, which would cap a 2-CPU machine at two actors.
            for option, value in (("num_gpus", settings.num_gpus or None), ("num_cpus", settings.num_cpus),
                                  ("memory", settings.memory_mb and settings.memory_mb * 2**20)):
                if value is not None:
                    options[option] = value
            assert settings.actors is not None
            pools[node.name] = ActorPool([worker.options(**options).remote(_worker_spec(runtime, node, index, plugins))
                                          for index in range(settings.actors)])
            node.concurrency *= settings.actors
        executor = cls(runtime, pools)
        try:
            ray.get([actor.ready.remote() for pool in pools.values() for actor in pool.actors])
        except ray.exceptions.RayError as error:
            executor._kill()
            raise cause_of(error, "an agent's actor") from None
        return executor

    async def handle(self, node: "Node", batch: list[Message], marks: list[str]) -> list[Message]:
        pool = self.pools[node.name]
        index = pool.pick(batch)
        pool.load[index] += 1
        try:
            result = await pool.actors[index].handle.remote(batch, marks, self._spent())
        except Exception as error:
            pool.remember(batch, index)
            raise cause_of(error, f"agent {node.name!r}") from None
        finally:
            pool.load[index] -= 1
        self._account(node, result.calls)
        return result.outputs

    async def commit(self, node: "Node", marks: list[str], outputs: list[Message]) -> None:
        """The driver's own outputs, durable before the scheduler routes them (as actors' outputs are)."""
        ticket = self.writer.add_outputs(node.name, marks, outputs)
        await asyncio.to_thread(self.writer.wait_durable, ticket)

    def _spent(self) -> tuple[float, int, int]:
        budget = self.runtime.budget
        assert budget is not None
        return budget.cost, budget.tokens, budget.calls

    def _account(self, node: "Node", calls: list[dict[str, Any]]) -> None:
        assert self.runtime.budget is not None
        for row in calls:
            node.stats.count_call(row)
            if not row["cached"]:
                self.runtime.budget.spend(SimpleNamespace(**row))

    async def close(self) -> None:
        """Let every actor commit what it buffered, then stop actors and the nodes' sandbox hosts."""
        closing = {name: [actor.close.remote() for actor in pool.actors] for name, pool in self.pools.items()}
        try:
            for name, refs in closing.items():
                for calls in await asyncio.wait_for(asyncio.gather(*refs, return_exceptions=True), CLOSE_TIMEOUT_S):
                    if isinstance(calls, list):
                        self._account(self.runtime.nodes[name], calls)
        except asyncio.TimeoutError:
            pass  # what an actor had not committed is in its journal, recovered when the store is opened again
        finally:
            self._kill()
            await asyncio.to_thread(close_hosts, self.runtime.campaign.name)

    def _kill(self) -> None:
        import ray

        for pool in self.pools.values():
            for actor in pool.actors:
                ray.kill(actor, no_restart=True)


def _worker_spec(runtime: "Runtime", node: "Node", index: int, plugins: list[tuple[str, object]]) -> WorkerSpec:
    return WorkerSpec(campaign=runtime.campaign, agent=ResolvedAgent(node.spec, node.cls, node.agent.config),
                      wiring=node.wiring, config_hash=node.config_hash, store=runtime.store_path,
                      writer_id=f"{node.name}.{index}", plugins=plugins, sandbox_factory=runtime.sandbox_factory)


def _check_placeable(agent: str, num_gpus: float) -> None:
    """An actor asking for more GPUs than any node has would wait forever: refuse it now."""
    import ray

    if not num_gpus:
        return
    most = max((node["Resources"].get("GPU", 0) for node in ray.nodes() if node["Alive"]), default=0)
    if most < num_gpus:
        raise ConfigError(f"agent {agent!r} asks for {num_gpus:g} GPU(s) per actor; the largest node of the cluster "
                          f"has {most:g}", where=f"executor.agents.{agent}.num_gpus",
                          hint="lower num_gpus, or add GPU nodes to the cluster")
