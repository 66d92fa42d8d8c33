"""One actor of an agent's pool on Ray: the agent, its context, and a shard writer of its own.

The actor runs exactly what the local executor runs (`run_handle`, then `stamp_for`), so ids match a local run;
its context is built like the runtime's (`agent_context`): models through the campaign's backends, created inside
the actor on first use (a vLLM engine on the actor's GPU), the sandbox through its node's shared pool. Before it
replies, a batch's outputs and handled markers are committed to the shard directory, so the driver routes only
durable messages. Its writer id (`AGENT.INDEX`) survives a restart: an actor Ray restarts after its process died
replays the journal of the one that died, and the batch Ray sends it again finds those replies in its cache.

Spending is the driver's: each batch brings the campaign's totals, the actor counts on from them (so its model
calls stop at the budget like a local agent's), and each reply carries the calls made since the last reply.
"""

from __future__ import annotations

import asyncio
import functools
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from synthloom.budget import Budget
from synthloom.executors.base import agent_context, run_handle, stamp_for
from synthloom.executors.ray_sandbox import node_sandbox
from synthloom.messages import Message
from synthloom.nodes import Node
from synthloom.resources import Resources
from synthloom.store.shard_writer import ShardWriter

if TYPE_CHECKING:
    from synthloom.campaign import Campaign, ResolvedAgent
    from synthloom.graph import Wiring
    from synthloom.sandboxing import Sandbox

Spent = tuple[float, int, int]  # cost, tokens, calls


@dataclass
class WorkerSpec:
    """Everything an actor needs to become one agent of the campaign (Ray pickles it to the worker)."""

    campaign: "Campaign"
    agent: "ResolvedAgent"
    wiring: "Wiring"
    config_hash: str
    store: Path
    writer_id: str
    plugins: list[tuple[str, object]]
    sandbox_factory: Callable[[], "Sandbox"]


@dataclass
class BatchResult:
    outputs: list[Message]
    calls: list[dict[str, Any]] = field(default_factory=list)


class CallTally:
    """The calls made since the last reply to the driver (tokens, cost, cached), for its budget and progress."""

    def __init__(self) -> None:
        self._rows: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def record(self, row: dict[str, Any]) -> None:
        with self._lock:
            self._rows.append({key: row[key] for key in ("prompt_tokens", "completion_tokens", "cost", "cached")})

    def drain(self) -> list[dict[str, Any]]:
        with self._lock:
            rows, self._rows = self._rows, []
        return rows

    def unreported(self) -> Spent:
        with self._lock:
            fresh = [row for row in self._rows if not row["cached"]]
        return (sum(row["cost"] or 0.0 for row in fresh),
                sum(row["prompt_tokens"] + row["completion_tokens"] for row in fresh), len(fresh))


class AgentWorker:
    def __init__(self, spec: WorkerSpec) -> None:
        from synthloom.registry.contributions import build_registry

        self.spec = spec
        self.budget = Budget(spec.campaign.budget)
        self.tally = CallTally()
        self._broken: Exception | None = None
        try:
            self.node = Node(spec.agent, spec.wiring, spec.config_hash)
            self.writer = ShardWriter(spec.store, spec.campaign.name, spec.writer_id)
            self.writer.start()
            self.resources = Resources(spec.campaign, build_registry(extra=spec.plugins),
                                       functools.partial(node_sandbox, spec.campaign.name, spec.sandbox_factory))
        except Exception as error:  # kept for ready(): Ray reports an error raised here only as a dead actor
            self._broken = error

    async def ready(self) -> int:
        """The actor's process id once it is set up, or the error that stopped it."""
        if self._broken is not None:
            raise self._broken
        return os.getpid()

    async def handle(self, batch: list[Message], marks: list[str], spent: Spent) -> BatchResult:
        await self.ready()
        if self.node.ctx is None:
            self.node.ctx = agent_context(self.spec.campaign, self.node, self.resources, self.writer, self.budget,
                                          asyncio.get_running_loop(), self.tally.record)
        own = self.tally.unreported()
        self.budget.cost, self.budget.tokens, self.budget.calls = (spent[0] + own[0], spent[1] + own[1],
                                                                   spent[2] + own[2])
        outputs = stamp_for(self.node, self.spec.campaign.name, await run_handle(self.node, batch), batch)
        ticket = self.writer.add_outputs(self.node.name, marks, outputs)
        await asyncio.to_thread(self.writer.wait_durable, ticket)
        return BatchResult(outputs, self.tally.drain())

    async def close(self) -> list[dict[str, Any]]:
        """Commit what is buffered and release backends; the calls not reported yet."""
        if self._broken is not None:
            return []
        await self.resources.close()
        await asyncio.to_thread(self.writer.close)
        return self.tally.drain()
