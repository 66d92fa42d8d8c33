"""What every executor shares: running an agent's `handle` on a batch, stamping what it emits, and the context an
agent gets, whether it runs in the campaign's process or in a Ray actor.

An executor is the scheduler's one seam: the scheduler decides which batch goes when (inboxes, backpressure,
resume backlog, retries item by item); the executor runs it and commits its outputs with the markers that its
inputs are handled. Keeping the rest in one place is what makes a Ray run emit the same ids as a local run.
"""

from __future__ import annotations

import asyncio
import inspect
from typing import TYPE_CHECKING, Any, Callable, Protocol

from synthloom.context import Context
from synthloom.emission import stamp
from synthloom.messages import Message
from synthloom.model_client import CallRow, ModelClient
from synthloom.sandboxing import SandboxClient

if TYPE_CHECKING:
    from synthloom.budget import Budget
    from synthloom.campaign import Campaign
    from synthloom.nodes import Node
    from synthloom.resources import Resources


class Executor(Protocol):
    async def handle(self, node: "Node", batch: list[Message], marks: list[str]) -> list[Message]:
        """Run `node`'s agent on `batch`; return its stamped outputs, committed with `marks` (the handled inputs).
        Raises what the agent raised; nothing is committed then."""

    async def commit(self, node: "Node", marks: list[str], outputs: list[Message]) -> None:
        """Commit outputs the scheduler made itself (a source's messages, failures) with their markers."""

    async def close(self) -> None:
        """Release workers; called once, however the run ended."""


def stamp_for(node: "Node", campaign: str, outputs: Any, batch: list[Message], salt: str = "",
              ordinals: dict[tuple[str, ...], int] | None = None) -> list[Message]:
    """`emission.stamp` with the node's identity: the only way any executor turns outputs into stored messages."""
    return stamp(outputs, batch, campaign=campaign, agent=node.name, agent_type=node.cls.name,
                 config_hash=node.config_hash, produces=node.wiring.produces, salt=salt, ordinals=ordinals)


async def run_handle(node: "Node", batch: list[Message]) -> list[Any]:
    """An agent's whole result for a batch: a list, an awaitable, a generator or an async generator; a `threaded`
    agent runs in a worker thread."""
    if node.cls.threaded:
        return await asyncio.to_thread(lambda: list(node.agent.handle(batch, node.ctx) or []))
    result = node.agent.handle(batch, node.ctx)
    if inspect.isawaitable(result):
        result = await result
    if hasattr(result, "__aiter__"):
        return [m async for m in result]
    return list(result or [])


def agent_context(campaign: "Campaign", node: "Node", resources: "Resources", writer: Any, budget: "Budget",
                  loop: asyncio.AbstractEventLoop, on_call: Callable[[CallRow], None]) -> Context:
    """The context of one agent: every model of the campaign through a `ModelClient` on `writer`, the sandbox
    through a `SandboxClient`; backends and the sandbox come from `resources`, created on first use."""
    models = {name: ModelClient(name, resources.lazy_backend(name), node.name, writer, budget, on_call=on_call,
                                prompt_style=spec.prompt_style)
              for name, spec in campaign.models.items()}
    return Context(campaign=campaign.name, agent=node.name, seed=campaign.seed, models=models,
                   sandbox=SandboxClient(resources.sandbox, node.name, writer),
                   default_model=campaign.model_for(node.spec), base_dir=campaign.base_dir, loop=loop)
