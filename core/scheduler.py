"""Feeds each agent batches from its inbox, with bounded concurrency and backpressure, until all are done.

Sources are pulled a chunk at a time while their consumers have room; a stream agent dispatches a batch only while
its own consumers have room; what a resumed campaign still has to do is read from the store as inboxes empty. So a
campaign's memory follows the items in flight, whatever its size. Barrier agents receive everything at once, by
nature.
"""

from __future__ import annotations

import asyncio
import inspect
from typing import TYPE_CHECKING, Any, AsyncIterator, Callable, Iterable

from synthloom.agents import SourceConfig
from synthloom.errors import BudgetExhausted, ConfigError, SynthloomError
from synthloom.executors.base import Executor, stamp_for
from synthloom.executors.local import LocalExecutor
from synthloom.messages import Failure, Message
from synthloom.nodes import BARRIER_MARK, Node

if TYPE_CHECKING:
    from synthloom.campaign import Campaign
    from synthloom.observers import Observers
    from synthloom.store import CampaignStore
    from synthloom.store.writer import StoreWriter

LINGER_S = 0.02
SOURCE_CHUNK = 512  # messages a source emits between two checks for room downstream


class Scheduler:
    def __init__(self, campaign: "Campaign", nodes: dict[str, Node], store: "CampaignStore",
                 writer: "StoreWriter", observers: "Observers", executor: Executor | None = None) -> None:
        self.campaign = campaign
        self.nodes = nodes
        self.store = store
        self.writer = writer
        self.observers = observers
        self.executor = executor or LocalExecutor(campaign.name, writer)
        self.status = "running"
        self.stop_reason: str | None = None

    async def run(self) -> None:
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

    def stop(self, reason: str, detail: str) -> None:
        if self.status == "running":
            self.status = reason
            self.stop_reason = detail
        for node in self.nodes.values():
            node.wake.set()
            node.drained.set()

    def _stopping(self) -> bool:
        return self.status != "running"

    # -- routing and room ------------------------------------------------------------------------------------

    def _route(self, producer: Node, messages: Iterable[Message]) -> None:
        for message in messages:
            if isinstance(message, Failure):
                continue
            for name in producer.wiring.downstream:
                node = self.nodes[name]
                if node.wiring.accepts(message.kind, producer.name):
                    node.put(message)
                    node.stats.received += 1
                    node.wake.set()

    async def _wait_for_room(self, producer: Node) -> None:
        """Hold a producer while one of its consumers' inboxes is full (its own, when it loops, never counts)."""
        while not self._stopping():
            full = next((self.nodes[n] for n in producer.wiring.downstream
                         if n != producer.name and self.nodes[n].full()), None)
            if full is None:
                return
            full.drained.clear()
            await full.drained.wait()

    def _upstream_done(self, node: Node) -> bool:
        return all(self.nodes[name].stats.done for name in node.wiring.upstream)

    # -- the three kinds of agent ------------------------------------------------------------------------------

    async def _run_node(self, node: Node) -> None:
        try:
            while not all(self.nodes[name].stats.done for name in node.wiring.after) and not self._stopping():
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
            for name in node.wiring.downstream + node.wiring.followers:
                self.nodes[name].wake.set()

    async def _run_stream(self, node: Node) -> None:
        slots = asyncio.Semaphore(node.concurrency)
        running: set[asyncio.Task] = set()
        while not self._stopping():
            if len(node.inbox) < node.batch_size and node.refill():
                continue
            if not node.inbox:
                if self._upstream_done(node):
                    if not running:
                        break
                    await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
                    continue
                node.wake.clear()
                await node.wake.wait()
                continue
            if len(node.inbox) < node.batch_size and node.wiring.loops and running:
                # A dialogue's next turns come back from the batches in flight: wait for them, so that turn k of
                # every dialogue goes to the model as one batch.
                node.wake.clear()
                waiter = asyncio.ensure_future(node.wake.wait())
                await asyncio.wait([waiter, *running], return_when=asyncio.FIRST_COMPLETED)
                waiter.cancel()
                continue
            if len(node.inbox) < node.batch_size and not self._upstream_done(node):
                node.wake.clear()
                try:
                    await asyncio.wait_for(node.wake.wait(), LINGER_S)
                except asyncio.TimeoutError:
                    pass
                if len(node.inbox) < node.batch_size and not self._upstream_done(node) and running:
                    continue
            await self._wait_for_room(node)
            await slots.acquire()
            if self._stopping():
                slots.release()
                break
            task = asyncio.create_task(self._process(node, node.take(node.batch_size)))
            running.add(task)
            task.add_done_callback(lambda t: (running.discard(t), slots.release()))
        if running:
            await asyncio.gather(*running)

    async def _run_barrier(self, node: Node) -> None:
        while not self._upstream_done(node) and not self._stopping():
            node.wake.clear()
            await node.wake.wait()
        if self._stopping() or BARRIER_MARK in node.marks:
            return
        while node.refill():
            pass
        batch = node.take(len(node.inbox))
        await self._process(node, batch, marks=[BARRIER_MARK])

    async def _run_source(self, node: Node) -> None:
        config = node.agent.config
        rounds = config.rounds if isinstance(config, SourceConfig) else 1
        target = config.target if isinstance(config, SourceConfig) else None
        rerun = node.stats.produced > 0  # a round a kill cut short may have stored part of its messages
        for round_ in range(rounds):
            if self._stopping() or (target is not None and node.stats.produced >= target):
                return
            mark = f"__round_{round_}__"
            if mark in node.marks:
                continue
            emitted = await self._source_round(node, round_, mark, target, rerun)
            if not emitted:
                return

    async def _source_round(self, node: Node, round_: int, mark: str, target: int | None, rerun: bool) -> int:
        """One round of a source, pulled a chunk at a time while there is room downstream; how many it emitted."""
        assert node.ctx is not None
        ctx = node.ctx.with_round(round_)
        ordinals: dict[tuple[str, ...], int] = {}
        emitted = 0
        try:
            async for chunk in _chunks(node, lambda: node.agent.produce(ctx)):
                outputs = self._stamp(node, chunk, [], f"round{round_}", ordinals)
                emitted += len(outputs)
                if rerun:
                    stored = self.store.existing([m.id for m in outputs])
                    outputs = [m for m in outputs if m.id not in stored]
                if target is not None:
                    outputs = outputs[: max(0, target - node.stats.produced)]
                await self.executor.commit(node, [], outputs)
                node.stats.produced += len(outputs)
                self._route(node, outputs)
                if self._stopping() or (target is not None and node.stats.produced >= target):
                    break
                await self._wait_for_room(node)
        except BudgetExhausted as error:
            self.stop("budget", str(error))
            return 0
        except (ConfigError, asyncio.CancelledError, KeyboardInterrupt):
            raise
        except Exception as error:  # the round is recorded as failed and the campaign goes on downstream
            failure = Failure(error_type=type(error).__name__, error=f"round {round_}: {error}"[:4000])
            await self.executor.commit(node, [mark], self._stamp(node, [failure], [], f"round{round_}", {}))
            node.stats.failed += 1
            self.observers.notify("on_item_failed", campaign=self.campaign, agent=node.name, item=None, error=error)
            return 0
        if self._stopping() and not (target is not None and node.stats.produced >= target):
            return emitted  # cut short: the round is not marked done, a resumed run finishes it
        await self.executor.commit(node, [mark], [])
        node.stats.handled += 1
        return emitted

    # -- one batch -------------------------------------------------------------------------------------------

    def _stamp(self, node: Node, outputs: list[Any], batch: list[Message], salt: str = "",
               ordinals: dict[tuple[str, ...], int] | None = None) -> list[Message]:
        return stamp_for(node, self.campaign.name, outputs, batch, salt, ordinals)

    async def _process(self, node: Node, batch: list[Message], marks: list[str] | None = None) -> None:
        failure: Exception | None = None
        handled = marks or [m.id for m in batch]
        node.stats.in_flight += 1
        try:
            outputs = await self.executor.handle(node, batch, handled)
        except BudgetExhausted as error:
            self.stop("budget", str(error))
            return
        except (asyncio.CancelledError, KeyboardInterrupt):
            raise
        except Exception as error:
            failure = error
        finally:
            node.stats.in_flight -= 1
        if failure is not None:
            if self.status == "interrupted":
                return  # not recorded: the batch is redone on resume, its finished calls answered from the cache
            if len(batch) > 1 and not node.cls.barrier:
                for item in batch:
                    await self._process(node, [item])
                return
            # a barrier that fails on an empty batch still leaves one failure row: an error is never silent
            failures = [_failure(item, failure) for item in batch] or [_failure(None, failure)]
            outputs = self._stamp(node, failures, batch)
            node.stats.failed += len(failures)
            for item in batch:
                self.observers.notify("on_item_failed", campaign=self.campaign, agent=node.name, item=item,
                                      error=failure)
            await self.executor.commit(node, handled, outputs)
        self.writer.check()
        node.stats.handled += len(batch)
        node.stats.produced += sum(1 for m in outputs if not isinstance(m, Failure))
        self._route(node, outputs)
        self.observers.notify("on_batch_done", campaign=self.campaign, agent=node.name, inputs=batch,
                              outputs=outputs)


async def _chunks(node: Node, call: Callable[[], Any]) -> AsyncIterator[list[Any]]:
    """A source's messages a chunk at a time, whether `produce` returns a list, yields them (sync or async), or
    is awaitable; a threaded source's generator is advanced in a worker thread."""
    result = await asyncio.to_thread(call) if node.cls.threaded else call()
    if inspect.isawaitable(result):
        result = await result
    if hasattr(result, "__aiter__"):
        chunk: list[Any] = []
        async for message in result:
            chunk.append(message)
            if len(chunk) >= SOURCE_CHUNK:
                yield chunk
                chunk = []
        if chunk:
            yield chunk
        return
    iterator = iter(result or [])
    while True:
        chunk = (await asyncio.to_thread(_take, iterator) if node.cls.threaded else _take(iterator))
        if not chunk:
            return
        yield chunk


def _take(iterator: Any) -> list[Any]:
    chunk = []
    for message in iterator:
        chunk.append(message)
        if len(chunk) >= SOURCE_CHUNK:
            break
    return chunk


def _failure(item: Message | None, error: BaseException) -> Failure:
    text = str(error) if isinstance(error, SynthloomError) else f"{type(error).__name__}: {error}"
    return Failure(parents=[item.id] if item else [], error_type=type(error).__name__, error=text[:4000],
                   input_kind=item.kind if item else "")
