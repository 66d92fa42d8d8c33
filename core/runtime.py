"""Runs a campaign from start to end: opens its store, gives each agent its context, lets the scheduler run, and
on the way out (finished, interrupted, out of budget) closes backends and the sandbox, records how it ended, writes
the exports and tells the observers.

The wiring comes from `graph` (built when the campaign was loaded), the scheduling from `scheduler`, the SQL from
`store`, backends and the sandbox from `resources`, message ids from `emission`, hook calls from `observers`.

Exactly-once comes from three things together: message ids derived from (agent, config, parents, ordinal); an
agent's outputs and its "handled" markers committed in one transaction; and, on start, feeding every agent the
stored messages it has not handled yet.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator

from synthloom.budget import Budget
from synthloom.context import Context
from synthloom.executors.base import Executor, agent_context
from synthloom.executors.local import LocalPlan
from synthloom.messages import Dropped, Failure, stable_hash
from synthloom.nodes import BARRIER_MARK, Node
from synthloom.observers import Observers
from synthloom.resources import Resources, docker_sandbox
from synthloom.sandboxing import Sandbox
from synthloom.scheduler import Scheduler
from synthloom.summary import ExportResult, RunSummary

if TYPE_CHECKING:
    from synthloom.campaign import CampaignPlan, ResolvedAgent
    from synthloom.registry.contributions import Registry
    from synthloom.store.writer import StoreWriter

LINGER_S = 0.02


GC_GENERATION0 = 50_000


@contextlib.contextmanager
def _fewer_collections() -> Iterator[None]:
    """Python's cyclic collector, run every 50,000 new containers rather than every 700, for the campaign: each
    item makes dozens of short-lived ones (messages, requests, rows), and with the default the collector took a
    tenth of a replay campaign's time (0.44 s of 5,000 items against 0.12 s), most of it full collections walking
    every object the plugins loaded. Objects freed by reference counting, nearly all of them, are unaffected."""
    threshold = gc.get_threshold()
    gc.set_threshold(max(threshold[0], GC_GENERATION0), *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)


class Runtime:
    def __init__(self, plan: "CampaignPlan", registry: "Registry", store_path: str | Path | None = None,
                 progress: Callable[["Runtime"], Any] | None = None,
                 sandbox_factory: Callable[[], Sandbox] = docker_sandbox, executor: Any = None) -> None:
        """`executor` is an executor plan (`synthloom.executors.plan_for`); by default agents run in this process."""
        self.plan = plan
        self.campaign = plan.campaign
        self.registry = registry
        self.store_path = self.campaign.store_path(str(store_path) if store_path is not None else None)
        self.nodes = {a.spec.name: Node(a, plan.graph[a.spec.name], self._config_hash(a)) for a in plan.agents}
        self.progress_factory = progress
        self.exports: list[ExportResult] = []
        self.executor_plan = executor or LocalPlan()
        # the kinds of the plugins this campaign uses (a plugin's documented queries name all its views): each gets
        # a typed view, and reading the JSON schema of every registered kind cost a tenth of a second at each start
        used = {Failure.kind_name(), Dropped.kind_name()}.union(
            *(node.wiring.produces | node.wiring.consumes for node in self.nodes.values()))
        plugins = {kind.partition(".")[0] for kind in used if "." in kind}
        kinds = {kind: cls for kind, cls in registry.kinds.items()
                 if kind in used or kind.partition(".")[0] in plugins}
        self.store = self.executor_plan.store(self.store_path, self.campaign, kinds)
        self.sandbox_factory = sandbox_factory
        self.resources = Resources(self.campaign, registry, sandbox_factory)
        self.observers = Observers(registry.pm)
        self.writer: StoreWriter | None = None
        self.budget: Budget | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.scheduler: Scheduler | None = None
        self.executor: Executor | None = None
        self._cancelled = False

    @property
    def status(self) -> str:
        if self._cancelled:
            return "interrupted"
        return self.scheduler.status if self.scheduler else "running"

    @property
    def stop_reason(self) -> str | None:
        return self.scheduler.stop_reason if self.scheduler else None

    def _config_hash(self, resolved: "ResolvedAgent") -> str:
        name = self.campaign.model_for(resolved.spec)
        model = self.campaign.models.get(name) if name else None
        # unset fields are left out, so that a field added to ModelSpec does not change the hash of older stores
        return stable_hash([resolved.spec.use, resolved.config.model_dump(mode="json"),
                            model.model_dump(mode="json", exclude_none=True) if model else None])

    # -- set-up ----------------------------------------------------------------------------------------------

    def _open(self) -> None:
        self.writer = self.store.open({n.name: n.config_hash for n in self.nodes.values()})
        with self.store.session():
            cost, tokens, calls = self.store.spent()
            self.budget = Budget(self.campaign.budget, cost=cost, tokens=tokens, calls=calls)
            for agent, marks in self.store.marks().items():
                if agent in self.nodes:
                    self.nodes[agent].marks = marks
            produced = self.store.produced()
            for agent, count in produced.items():
                if agent in self.nodes:
                    self.nodes[agent].stats.produced = count
        for node in self.nodes.values():
            if BARRIER_MARK not in node.marks:
                # only producers with stored messages can have left a backlog: a fresh run reads nothing
                node.backlog = self.store.backlog(node.name, sorted(node.wiring.consumes - {"failure"}),
                                                  [s for s in node.wiring.sources if produced.get(s)])

    def _make_context(self, node: Node) -> Context:
        assert self.writer is not None and self.budget is not None and self.loop is not None
        return agent_context(self.campaign, node, self.resources, self.writer, self.budget, self.loop,
                             node.stats.count_call)

    # -- running ---------------------------------------------------------------------------------------------

    def run(self) -> RunSummary:
        """Run to completion, interruption or budget, then export; safe to call again to resume."""
        loop = asyncio.new_event_loop()
        self.loop = loop
        main = loop.create_task(self._main())
        signals = 0

        def on_signal() -> None:
            """The first Ctrl-C (or SIGTERM) stops new batches and lets those in flight finish, so that every call
            already sent is answered and recorded, never paid again; a second one stops at once."""
            nonlocal signals
            signals += 1
            if signals == 1 and self.scheduler is not None and self.status == "running":
                print("synthloom: stopping: finishing the batches in flight (Ctrl-C again to stop at once)",
                      file=sys.stderr, flush=True)
                self.scheduler.stop("interrupted", "interrupted by a signal")
            else:
                self._cancelled = True
                main.cancel()

        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(sig, on_signal)
            except (NotImplementedError, RuntimeError, ValueError):
                pass
        try:
            with self.executor_plan.session(), _fewer_collections():
                return loop.run_until_complete(main)
        finally:
            for sig in (signal.SIGINT, signal.SIGTERM):
                try:
                    loop.remove_signal_handler(sig)
                except (NotImplementedError, RuntimeError, ValueError):
                    pass
            loop.close()

    async def _main(self) -> RunSummary:
        self._open()
        assert self.writer is not None
        self.writer.start()
        for node in self.nodes.values():
            node.ctx = self._make_context(node)
        progress = self.progress_factory(self) if self.progress_factory else None
        try:
            self.executor = self.executor_plan.start(self)
            self.scheduler = Scheduler(self.campaign, self.nodes, self.store, self.writer, self.observers,
                                       self.executor)
            self.observers.notify("on_campaign_start", campaign=self.campaign, store=self.store_path)
            if progress:
                progress.start()
            await self.scheduler.run()
        except asyncio.CancelledError:
            self._cancelled = True
        finally:
            if progress:
                progress.stop()
            if self.executor is not None:
                await self.executor.close()
            await self.resources.close()
            self.store.close(self.status)
        if self.status == "finished":
            self.exports = self._export()
        summary = self.summary()
        self.observers.notify("on_campaign_end", campaign=self.campaign, summary=summary)
        return summary

    def _export(self) -> list[ExportResult]:
        from synthloom.exporters import export

        results = []
        for spec in self.campaign.export:
            path, rows = export(self.store_path, spec.kind, spec.format, self.campaign.resolve(spec.path),
                                self.registry, self.campaign.name, spec.agent)
            results.append(ExportResult(kind=spec.kind, format=spec.format, path=str(path), rows=rows))
        return results

    def summary(self) -> RunSummary:
        return RunSummary(campaign=self.campaign.name, store=str(self.store_path), status=self.status,
                          reason=self.stop_reason, exports=self.exports,
                          agents={n.name: n.stats.summary() for n in self.nodes.values()})
