"""How a Ray run stores and executes: a shard directory, a cluster session around the run, and actor pools."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

from synthloom.executors.spec import ExecutorSpec
from synthloom.messages import Message

if TYPE_CHECKING:
    from synthloom.campaign import Campaign
    from synthloom.executors.ray_executor import RayExecutor
    from synthloom.runtime import Runtime
    from synthloom.store.shard_store import ShardCampaignStore


class RayPlan:
    kind = "ray"

    def __init__(self, spec: ExecutorSpec, plugins: list[tuple[str, object]]) -> None:
        self.spec = spec
        self.plugins = plugins

    def store(self, path: Path, campaign: "Campaign", kinds: Mapping[str, type[Message]]) -> "ShardCampaignStore":
        from synthloom.store.shard_store import ShardCampaignStore

        return ShardCampaignStore(path, campaign, kinds)

    def session(self) -> Any:
        from synthloom.executors.ray_cluster import cluster_session

        return cluster_session(self.spec)

    def start(self, runtime: "Runtime") -> "RayExecutor":
        from synthloom.executors.ray_executor import RayExecutor

        return RayExecutor.start(runtime, self.spec, self.plugins)
