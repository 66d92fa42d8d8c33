"""One agent of a running campaign: its instance, its bounded inbox, its backlog in the store, and its counters.

Memory follows the items in flight, not the campaign's size: an inbox holds at most about `bound` messages, and
about `IMAGE_BOUND` bytes of images (producers wait while it is full), and what a resumed campaign still has to do
stays in the store, read a chunk at a time (`backlog`) as the inbox empties. Barrier agents are the exception: they
need every input at once.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterator

from synthloom.agents import Agent
from synthloom.graph import Wiring
from synthloom.messages import Message, carried_bytes
from synthloom.model_client import CallRow
from synthloom.summary import AgentSummary

if TYPE_CHECKING:
    from synthloom.campaign import ResolvedAgent
    from synthloom.context import Context

BARRIER_MARK = "__barrier__"  # the "handled" marker of a barrier agent that has run
MIN_BOUND = 1024
# Image bytes an inbox holds before its producers wait: 1,024 messages of photographs would be hundreds of MB. An
# inbox is never held below one round of full batches, however large the images.
IMAGE_BOUND = 64 * 2**20


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

    def count_call(self, row: CallRow) -> None:
        self.calls += 1
        self.tokens += row["prompt_tokens"] + row["completion_tokens"]
        self.cost += row["cost"] or 0.0

    def summary(self) -> AgentSummary:
        return AgentSummary(received=self.received, handled=self.handled, produced=self.produced,
                            failed=self.failed, calls=self.calls, tokens=self.tokens, cost=self.cost)


class Node:
    """One agent of the running campaign: its instance, its inbox and its counters."""

    def __init__(self, resolved: "ResolvedAgent", wiring: Wiring, config_hash: str) -> None:
        self.spec = resolved.spec
        self.cls: type[Agent] = resolved.cls
        self.agent = resolved.cls(resolved.config)
        self.wiring = wiring
        self.config_hash = config_hash
        self.name = resolved.spec.name
        self.batch_size = resolved.spec.batch_size or resolved.cls.batch_size
        self.concurrency = resolved.spec.concurrency or resolved.cls.concurrency
        self.inbox: deque[Message] = deque()
        self.bound = max(MIN_BOUND, 4 * self.batch_size * self.concurrency)
        self.image_bytes = 0  # of the messages in the inbox
        self.marks: set[str] = set()  # source rounds and barriers already done (not every handled input: the store)
        self.backlog: Iterator[list[Message]] | None = None
        self.wake = asyncio.Event()
        self.drained = asyncio.Event()  # set when messages leave the inbox, for producers waiting for room
        self.stats = AgentStats()
        self.ctx: Context | None = None

    def full(self) -> bool:
        if self.cls.barrier:
            return False
        return len(self.inbox) >= self.bound or (
            self.image_bytes >= IMAGE_BOUND and len(self.inbox) >= self.batch_size * self.concurrency)

    def put(self, message: Message) -> None:
        self.inbox.append(message)
        self.image_bytes += carried_bytes(message)

    def take(self, count: int) -> list[Message]:
        batch = [self.inbox.popleft() for _ in range(min(count, len(self.inbox)))]
        self.image_bytes -= sum(carried_bytes(message) for message in batch)
        self.drained.set()
        return batch

    def refill(self) -> bool:
        """Move the next chunk of the stored backlog into the inbox; False when the backlog is exhausted."""
        if self.backlog is None:
            return False
        chunk = next(self.backlog, None)
        if chunk is None:
            self.backlog = None
            return False
        for message in chunk:
            self.put(message)
        self.stats.received += len(chunk)
        return True

