"""The local executor: agents run on the campaign's event loop (or its worker threads), and their outputs go to
the campaign's single DuckDB writer, buffered and committed with their handled markers in one transaction."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING, Iterator, Mapping

from synthloom.executors.base import run_handle, stamp_for
from synthloom.messages import Message
from synthloom.store import CampaignStore

if TYPE_CHECKING:
    from synthloom.campaign import Campaign
    from synthloom.nodes import Node
    from synthloom.runtime import Runtime
    from synthloom.store.writer import StoreWriter


class LocalExecutor:
    def __init__(self, campaign: str, writer: "StoreWriter") -> None:
        self.campaign = campaign
        self.writer = writer

    async def handle(self, node: "Node", batch: list[Message], marks: list[str]) -> list[Message]:
        outputs = stamp_for(node, self.campaign, await run_handle(node, batch), batch)
        self.writer.add_outputs(node.name, marks, outputs)
        return outputs

    async def commit(self, node: "Node", marks: list[str], outputs: list[Message]) -> None:
        self.writer.add_outputs(node.name, marks, outputs)

    async def close(self) -> None:
        """Nothing to release: the runtime closes backends, the sandbox and the store."""


class LocalPlan:
    """How a local run stores and executes: a DuckDB file, and the campaign's own process."""

    kind = "local"

    def store(self, path: Path, campaign: "Campaign", kinds: Mapping[str, type[Message]]) -> CampaignStore:
        return CampaignStore(path, campaign, kinds)

    @contextlib.contextmanager
    def session(self) -> Iterator[None]:
        yield

    def start(self, runtime: "Runtime") -> LocalExecutor:
        assert runtime.writer is not None
        return LocalExecutor(runtime.campaign.name, runtime.writer)
