"""Runs a campaign: agents wired by message kind, fed in batches, with bounded concurrency, resumable.

Exactly-once comes from three things together: message ids derived from (agent, config, parents, ordinal); an
agent's outputs and its "handled" markers committed in one transaction; and, on start, re-routing every stored
message to the downstream agents that have not handled it yet.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import signal
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable

from synthloom.agents import Agent, SourceConfig
from synthloom.budget import Budget
from synthloom.campaign import AgentSpec, Campaign
from synthloom.context import Context, ModelClient, SandboxClient
from synthloom.errors import BudgetExhausted, ConfigError, PluginError, SynthloomError
from synthloom.messages import Failure, Message, derive_id, stable_hash
from synthloom.writer import StoreWriter

logger = logging.getLogger("synthloom.runtime")
LINGER_S = 0.02
BARRIER_MARK = "__barrier__"
RESUME_CHUNK = 10_000  # stored messages read at a time when a resumed campaign rebuilds its inboxes


@dataclass
class AgentStats:
    received: int = 0
    handled: int = 0
    produced: int = 0
    failed: int = 0
    in_flight: int = 0
    calls: int = 0
    tokens: int = 0
    cost: float = 0.0
    started: float = field(default_factory=time.monotonic)
    done: bool = False


class Node:
    """One agent of the campaign with its inbox and wiring."""

    def __init__(self, spec: AgentSpec, cls: type[Agent], config: Any, config_hash: str) -> None:
        self.spec = spec
        self.cls = cls
        self.agent = cls(config)
        self.config_hash = config_hash
        self.name = spec.name
        self.batch_size = spec.batch_size or cls.batch_size
        self.concurrency = spec.concurrency or cls.concurrency
        self.consumes = {k.kind_name() for k in cls.consumes}
        self.produces = {k.kind_name() for k in cls.produces}
        self.upstream: set[str] = set()
        self.downstream: list[Node] = []
        self.followers: list[Node] = []
        self.inbox: deque[Message] = deque()
        self.handled: set[str] = set()
        self.wake = asyncio.Event()
        self.stats = AgentStats()
        self.ctx: Context | None = None

    def accepts(self, message: Message, producer: str) -> bool:
        if message.kind not in self.consumes or producer == self.name:
            return False
        return self.spec.inputs is None or producer in self.spec.inputs


class Runtime:
    def __init__(self, campaign: Campaign, agents: list[tuple[AgentSpec, type[Agent], Any]], registry: Any,
                 store_path: str | None = None, progress: Callable[["Runtime"], Any] | None = None) -> None:
        self.campaign = campaign
        self.registry = registry
        self.store_path = campaign.store_path(store_path)
        self.nodes = {spec.name: Node(spec, cls, config, stable_hash([spec.use, config.model_dump(mode="json"),
                                                                       self._model_hash(spec)]))
                      for spec, cls, config in agents}
        self._wire()
        self.progress_factory = progress
        self.status = "running"
        self.stop_reason: str | None = None
        self.writer: StoreWriter | None = None
        self.budget: Budget | None = None
        self._backends: dict[str, Any] = {}
        self._sandbox: Any = None
        self._tasks: set[asyncio.Task] = set()
        self.loop: asyncio.AbstractEventLoop | None = None

    def _model_hash(self, spec: AgentSpec) -> Any:
        name = self.campaign.model_for(spec)
        model = self.campaign.models.get(name) if name else None
        return model.model_dump(mode="json") if model else None

    # -- wiring ----------------------------------------------------------------------------------------------

    def _wire(self) -> None:
        for node in self.nodes.values():
            for other in self.nodes.values():
                if other is node:
                    continue
                if node.consumes & other.produces and (node.spec.inputs is None or other.name in node.spec.inputs):
                    node.upstream.add(other.name)
                    other.downstream.append(node)
            if node.spec.inputs:
                useless = [n for n in node.spec.inputs if not (self.nodes[n].produces & node.consumes)]
                if useless:
                    raise ConfigError(f"agent {node.name!r} takes inputs from {useless}, which produce none of the "
                                      f"kinds it consumes ({sorted(node.consumes)})")
            for before in node.spec.after:
                self.nodes[before].followers.append(node)
            if node.consumes and not node.upstream:
                raise ConfigError(f"agent {node.name!r} consumes {sorted(node.consumes)} but no agent produces them",
                                  hint="add a source agent (for example basic.load_jsonl) or fix `inputs:`")
        seen: dict[str, int] = {}

        def visit(name: str) -> None:
            if seen.get(name) == 1:
                raise ConfigError(f"the agents form a cycle through {name!r}",
                                  hint="wire them with `inputs:`, and check their `after:` lists")
            if seen.get(name) == 2:
                return
            seen[name] = 1
            for down in self.nodes[name].downstream + self.nodes[name].followers:
                visit(down.name)
            seen[name] = 2

        for name in self.nodes:
            visit(name)

    # -- set-up ----------------------------------------------------------------------------------------------

    def _open_store(self) -> None:
        self.writer = StoreWriter(self.store_path, self.campaign.name)
        agents_config = {n.name: n.config_hash for n in self.nodes.values()}
        with self.writer.connection() as con:
            row = con.execute("SELECT config FROM campaigns WHERE name = ?", [self.campaign.name]).fetchone()
            if row is not None:
                previous = json.loads(row[0]).get("agents", {})
                changed = [n for n, h in agents_config.items() if n in previous and previous[n] != h]
                if changed:
                    self.writer.close()
                    raise ConfigError(
                        f"agents {changed} changed their parameters or model since store {str(self.store_path)!r} "
                        "was written; resuming would mix results of two configurations",
                        hint="write to a new store (`--store` or `store:`), or restore the previous parameters")
            config = json.dumps({"campaign": self.campaign.model_dump(mode="json", by_alias=True),
                                 "agents": agents_config})
            con.execute("INSERT INTO campaigns VALUES (?, ?, ?, 'running', now(), now()) ON CONFLICT (name) DO "
                        "UPDATE SET config = excluded.config, status = 'running', updated_at = now()",
                        [self.campaign.name, config, self.campaign.config_hash()])
            self._create_views(con)
            self.budget = Budget.from_store(self.campaign.budget, con, self.campaign.name)
            self._load_progress(con)

    def _create_views(self, con: Any) -> None:
        from synthloom.store import view_name, view_sql

        for kind, cls in self.registry.kinds.items():
            schema = cls.model_json_schema()
            con.execute(view_sql(kind, schema, Message.BASE_FIELDS))
            con.execute("INSERT INTO kinds VALUES (?, ?, ?) ON CONFLICT (kind) DO UPDATE SET "
                        "json_schema = excluded.json_schema", [kind, view_name(kind), json.dumps(schema)])

    def _load_progress(self, con: Any) -> None:
        """Handled markers and output counts of every agent, then each agent's backlog: the stored messages it
        accepts but has not handled, selected in SQL and read in chunks, so that resuming a large campaign holds
        only the work still to do in memory."""
        campaign = self.campaign.name
        for agent, input_id in con.execute("SELECT agent, input_id FROM handled WHERE campaign = ?",
                                           [campaign]).fetchall():
            if agent in self.nodes:
                self.nodes[agent].handled.add(input_id)
        for agent, count in con.execute("SELECT agent, count(*) FROM messages WHERE campaign = ? AND kind <> "
                                        "'failure' GROUP BY agent", [campaign]).fetchall():
            if agent in self.nodes:
                self.nodes[agent].stats.produced = count
        for node in self.nodes.values():
            kinds = sorted(node.consumes - {"failure"})
            producers = sorted(node.upstream)
            if not kinds or not producers or BARRIER_MARK in node.handled:
                continue
            cursor = con.execute(
                "SELECT id, kind, agent, parents, created_at, payload FROM messages m WHERE campaign = ? "
                f"AND kind IN ({', '.join('?' for _ in kinds)}) AND agent IN ({', '.join('?' for _ in producers)}) "
                "AND NOT EXISTS (SELECT 1 FROM handled h WHERE h.campaign = m.campaign AND h.agent = ? "
                "AND h.input_id = m.id) ORDER BY created_at, id", [campaign, *kinds, *producers, node.name])
            while chunk := cursor.fetchmany(RESUME_CHUNK):
                for id_, kind, agent, parents, created_at, payload in chunk:
                    cls = self.registry.kinds.get(kind)
                    if cls is None:
                        continue
                    message = cls.model_validate({**json.loads(payload), "id": id_, "kind": kind,
                                                  "campaign": campaign, "agent": agent, "parents": parents,
                                                  "created_at": created_at})
                    node.inbox.append(message)
                    node.stats.received += 1
            if node.inbox:
                node.wake.set()

    def _backend(self, name: str) -> Any:
        if name not in self._backends:
            spec = self.campaign.local_model(self.campaign.models[name])
            try:
                self._backends[name] = self.registry.backend(spec.backend)(spec)
            except PluginError as error:
                raise ConfigError(error.message, where=f"models.{name}.backend", hint=error.hint) from None
        return self._backends[name]

    def _get_sandbox(self) -> Any:
        if self._sandbox is None:
            from synthloom.sandbox import DockerSandbox

            self._sandbox = DockerSandbox()
            self._sandbox.__enter__()
        return self._sandbox

    def _make_context(self, node: Node) -> Context:
        assert self.writer is not None and self.budget is not None
        models = {name: _CountingModelClient(name, _LazyBackend(lambda n=name: self._backend(n)), node.name,
                                             self.writer, self.budget, node.stats)
                  for name in self.campaign.models}
        return Context(campaign=self.campaign.name, agent=node.name, seed=self.campaign.seed, models=models,
                       sandbox=SandboxClient(self._get_sandbox, node.name, self.writer),
                       default_model=self.campaign.model_for(node.spec), base_dir=self.campaign.base_dir,
                       loop=self.loop)

    # -- running ---------------------------------------------------------------------------------------------

    def run(self) -> dict[str, Any]:
        """Run to completion, interruption or budget; returns the summary. Safe to call again to resume."""
        loop = asyncio.new_event_loop()
        self.loop = loop
        main = loop.create_task(self._main())
        interrupts = 0

        def on_sigint() -> None:
            nonlocal interrupts
            interrupts += 1
            self.status = "interrupted"
            main.cancel()

        try:
            loop.add_signal_handler(signal.SIGINT, on_sigint)
            loop.add_signal_handler(signal.SIGTERM, on_sigint)
        except (NotImplementedError, RuntimeError, ValueError):
            pass
        try:
            return loop.run_until_complete(main)
        finally:
            for sig in (signal.SIGINT, signal.SIGTERM):
                try:
                    loop.remove_signal_handler(sig)
                except (NotImplementedError, RuntimeError, ValueError):
                    pass
            loop.close()

    async def _main(self) -> dict[str, Any]:
        self._open_store()
        assert self.writer is not None
        self.writer.start()
        for node in self.nodes.values():
            node.ctx = self._make_context(node)
        self._notify("on_campaign_start", campaign=self.campaign, store=str(self.store_path))
        progress = self.progress_factory(self) if self.progress_factory else None
        try:
            if progress:
                progress.start()
            tasks = [asyncio.create_task(self._run_node(node)) for node in self.nodes.values()]
            try:
                await asyncio.gather(*tasks)
            except BaseException:
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
                raise
            if self.status == "running":
                self.status = "finished"
        except asyncio.CancelledError:
            self.status = "interrupted"
        finally:
            if progress:
                progress.stop()
            await self._shutdown()
        return self.summary()

    async def _shutdown(self) -> None:
        assert self.writer is not None
        for backend in self._backends.values():
            backend.close()
        if self._sandbox is not None:
            await asyncio.to_thread(self._sandbox.__exit__, None, None, None)
        self.writer.close()
        with self.writer.connection() as con:
            con.execute("UPDATE campaigns SET status = ?, updated_at = now() WHERE name = ?",
                        [self.status, self.campaign.name])
        summary = self.summary()
        self._notify("on_campaign_end", campaign=self.campaign, summary=summary)

    def summary(self) -> dict[str, Any]:
        return {
            "campaign": self.campaign.name,
            "store": str(self.store_path),
            "status": self.status,
            "reason": self.stop_reason,
            "agents": {n.name: {"received": n.stats.received, "handled": n.stats.handled,
                                "produced": n.stats.produced, "failed": n.stats.failed,
                                "calls": n.stats.calls, "tokens": n.stats.tokens}
                       for n in self.nodes.values()},
        }

    def _stopping(self) -> bool:
        return self.status != "running"

    def _route(self, producer: Node, messages: list[Message]) -> None:
        for message in messages:
            if isinstance(message, Failure):
                continue
            for node in producer.downstream:
                if node.accepts(message, producer.name) and message.id not in node.handled:
                    node.inbox.append(message)
                    node.stats.received += 1
                    node.wake.set()

    def _upstream_done(self, node: Node) -> bool:
        return all(self.nodes[name].stats.done for name in node.upstream)

    async def _run_node(self, node: Node) -> None:
        try:
            while not all(self.nodes[name].stats.done for name in node.spec.after) and not self._stopping():
                node.wake.clear()
                await node.wake.wait()
            if self._stopping():
                return
            if node.cls.is_source():
                await self._run_source(node)
            elif node.cls.barrier:
                await self._run_barrier(node)
            else:
                await self._run_stream(node)
        finally:
            node.stats.done = True
            for down in node.downstream + node.followers:
                down.wake.set()

    async def _run_stream(self, node: Node) -> None:
        slots = asyncio.Semaphore(node.concurrency)
        running: set[asyncio.Task] = set()
        while not self._stopping():
            if not node.inbox:
                if self._upstream_done(node):
                    if not running:
                        break
                    await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
                    continue
                node.wake.clear()
                await node.wake.wait()
                continue
            if len(node.inbox) < node.batch_size and not self._upstream_done(node):
                node.wake.clear()
                try:
                    await asyncio.wait_for(node.wake.wait(), LINGER_S)
                except asyncio.TimeoutError:
                    pass
                if len(node.inbox) < node.batch_size and not self._upstream_done(node) and running:
                    continue
            batch = [node.inbox.popleft() for _ in range(min(node.batch_size, len(node.inbox)))]
            await slots.acquire()
            task = asyncio.create_task(self._process(node, batch))
            running.add(task)
            task.add_done_callback(lambda t: (running.discard(t), slots.release()))
        if running:
            await asyncio.gather(*running)

    async def _run_barrier(self, node: Node) -> None:
        while not self._upstream_done(node) and not self._stopping():
            node.wake.clear()
            await node.wake.wait()
        if self._stopping() or BARRIER_MARK in node.handled:
            return
        batch = list(node.inbox)
        node.inbox.clear()
        await self._process(node, batch, marks=[BARRIER_MARK])

    async def _run_source(self, node: Node) -> None:
        config = node.agent.config
        rounds = config.rounds if isinstance(config, SourceConfig) else 1
        target = config.target if isinstance(config, SourceConfig) else None
        for round_ in range(rounds):
            if self._stopping():
                return
            if target is not None and node.stats.produced >= target:
                return
            mark = f"__round_{round_}__"
            if mark in node.handled:
                continue
            assert node.ctx is not None
            ctx = node.ctx.with_round(round_)
            try:
                outputs = self._finalize(node, await self._invoke(node, lambda: node.agent.produce(ctx)), [],
                                         salt=f"round{round_}")
            except BudgetExhausted as error:
                self._stop("budget", str(error))
                return
            except (ConfigError, asyncio.CancelledError, KeyboardInterrupt):
                raise
            except Exception as error:  # the round is recorded as failed and the campaign goes on downstream
                failure = Failure(error_type=type(error).__name__, error=f"round {round_}: {error}"[:4000])
                self.writer.add_outputs(node.name, [mark], self._finalize(node, [failure], [], f"round{round_}"))
                node.stats.failed += 1
                self._notify("on_item_failed", campaign=self.campaign, agent=node.name, item=None, error=error)
                return
            if target is not None:
                outputs = outputs[: max(0, target - node.stats.produced)]
            self.writer.add_outputs(node.name, [mark], outputs)
            node.stats.produced += len(outputs)
            node.stats.handled += 1
            self._route(node, outputs)
            if not outputs:
                return

    async def _invoke(self, node: Node, call: Callable[[], Any]) -> list[Message]:
        if node.cls.threaded:
            def in_thread() -> list[Message]:
                return list(call() or [])

            return await asyncio.to_thread(in_thread)
        result = call()
        if inspect.isawaitable(result):
            result = await result
        if hasattr(result, "__aiter__"):
            return [m async for m in result]
        return list(result or [])

    def _finalize(self, node: Node, outputs: list[Message], batch: list[Message], salt: str = "") -> list[Message]:
        ordinals: dict[tuple[str, ...], int] = {}
        for message in outputs:
            if not isinstance(message, Message):
                raise PluginError(f"agent {node.name!r} ({node.cls.name}) emitted {type(message).__name__}, "
                                  "not a Message")
            if message.kind not in node.produces and not isinstance(message, Failure):
                raise PluginError(f"agent {node.name!r} emitted kind {message.kind!r}, which it does not declare "
                                  f"in `produces` ({sorted(node.produces)})")
            if not message.parents and len(batch) == 1:
                message.parents = [batch[0].id]
            elif not message.parents and batch:
                raise PluginError(f"agent {node.name!r} emitted a {message.kind!r} without parents from a batch of "
                                  f"{len(batch)}", hint="set parents=[input] on every message it emits")
            key = tuple(sorted(message.parents))
            ordinal = ordinals.get(key, 0)
            ordinals[key] = ordinal + 1
            message.campaign = self.campaign.name
            message.agent = node.name
            message.id = derive_id(self.campaign.name, node.name, node.config_hash, message.kind,
                                   message.parents, ordinal, salt)
        return outputs

    async def _process(self, node: Node, batch: list[Message], marks: list[str] | None = None) -> None:
        assert node.ctx is not None and self.writer is not None
        failure: Exception | None = None
        node.stats.in_flight += 1
        try:
            outputs = self._finalize(node, await self._invoke(node, lambda: node.agent.handle(batch, node.ctx)),
                                     batch)
        except BudgetExhausted as error:
            self._stop("budget", str(error))
            return
        except (asyncio.CancelledError, KeyboardInterrupt):
            raise
        except Exception as error:
            failure = error
        finally:
            node.stats.in_flight -= 1
        if failure is not None:
            if len(batch) > 1 and not node.cls.barrier:
                for item in batch:
                    await self._process(node, [item])
                return
            outputs = self._finalize(node, [self._failure(item, failure) for item in batch], batch)
            node.stats.failed += len(batch)
            for item in batch:
                self._notify("on_item_failed", campaign=self.campaign, agent=node.name, item=item, error=failure)
        self.writer.add_outputs(node.name, marks or [m.id for m in batch], outputs)
        self.writer.check()
        node.stats.handled += len(batch)
        node.stats.produced += sum(1 for m in outputs if not isinstance(m, Failure))
        self._route(node, outputs)
        self._notify("on_batch_done", campaign=self.campaign, agent=node.name, inputs=batch, outputs=outputs)

    def _notify(self, hook: str, **kwargs: Any) -> None:
        """Call observers one by one: a raising observer is logged against its plugin, never stops the campaign."""
        pm = self.registry.pm
        for impl in getattr(pm.hook, hook).get_hookimpls():
            try:
                impl.function(**{name: kwargs[name] for name in impl.argnames})
            except Exception as error:
                logger.warning("plugin %r failed in %s: %s: %s", pm.get_name(impl.plugin), hook,
                               type(error).__name__, error)

    def _failure(self, item: Message, error: BaseException) -> Failure:
        text = str(error) if isinstance(error, SynthloomError) else f"{type(error).__name__}: {error}"
        return Failure(parents=[item.id], error_type=type(error).__name__, error=text[:4000], input_kind=item.kind)

    def _stop(self, reason: str, detail: str) -> None:
        if self.status == "running":
            self.status = reason
            self.stop_reason = detail
        for node in self.nodes.values():
            node.wake.set()


class _LazyBackend:
    """Creates the backend on first use, so that agents that never call a model never load one."""

    def __init__(self, make: Callable[[], Any]) -> None:
        self._make = make
        self._backend: Any = None

    def _get(self) -> Any:
        if self._backend is None:
            self._backend = self._make()
        return self._backend

    @property
    def id(self) -> str:
        return self._get().id

    @property
    def can_score(self) -> bool:
        return self._get().can_score

    @property
    def independent_requests(self) -> bool:
        return getattr(self._get(), "independent_requests", False)

    async def generate(self, requests: list[Any]) -> list[Any]:
        return await self._get().generate(requests)

    async def score(self, requests: list[Any]) -> list[Any]:
        return await self._get().score(requests)

    def __getattr__(self, name: str) -> Any:
        """Backend-specific attributes (a transformers backend's `tokenizer`) reach through to the backend."""
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._get(), name)


class _CountingModelClient(ModelClient):
    """A ModelClient that also feeds the agent's progress counters."""

    def __init__(self, *args: Any) -> None:
        *rest, stats = args
        super().__init__(*rest)
        self.stats = stats

    def _row(self, op: str, key: str, request: Any, response: Any, cached: bool) -> dict[str, Any]:
        row = super()._row(op, key, request, response, cached)
        self.stats.calls += 1
        self.stats.tokens += row["prompt_tokens"] + row["completion_tokens"]
        self.stats.cost += row["cost"] or 0.0
        return row
