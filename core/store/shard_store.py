"""A campaign's store as a shard directory: what the driver of a Ray run opens instead of a DuckDB file.

The queries a resumed run makes (handled markers, backlog, spending, stored ids) are `CampaignStore`'s own, run on
the directory's views, so resuming from shards follows the very same rules as resuming from DuckDB. Only opening
and closing differ: opening recovers the journals of writers that died (the actors of a killed driver), and the
campaign's configuration and status live in `campaign/campaigns.parquet`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

from synthloom.errors import ConfigError
from synthloom.messages import Message
from synthloom.store import shards
from synthloom.store.campaign_store import CampaignStore
from synthloom.store.schema import view_name
from synthloom.store.shard_writer import ShardWriter, recover_journals, utc_now

if TYPE_CHECKING:
    from synthloom.campaign import Campaign

DRIVER = "driver"  # the writer id of the driver process; agent actors are AGENT.INDEX
REAP_WAIT_S = 60.0  # how long to wait for a killed driver's actors to be gone before recovering their journals


class ShardCampaignStore(CampaignStore):
    def __init__(self, path: Path, campaign: "Campaign", kinds: Mapping[str, type[Message]]) -> None:
        super().__init__(path, campaign, kinds)
        self._created_at = utc_now()

    def open(self, agent_hashes: dict[str, str]) -> ShardWriter:  # type: ignore[override]
        """Take the directory for this run (one driver at a time), recover what killed writers journaled, refuse
        agents whose configuration changed, and record the campaign as running."""
        shards.create(self.path, self.name)
        lock = shards.acquire_writer_lock(self.path, DRIVER, wait_s=0)
        try:
            recover_journals(self.path, skip={DRIVER}, wait_s=REAP_WAIT_S)
            shards.clear_staging(self.path)
            self._check_agents(agent_hashes)
            self.opened_at = utc_now()
            self._record("running", agent_hashes)
            shards.write_campaign_table(self.path, "kinds", [
                {"kind": kind, "view": view_name(kind), "json_schema": json.dumps(cls.model_json_schema())}
                for kind, cls in self.kinds.items()])
            writer = ShardWriter(self.path, self.name, DRIVER, lock=lock)
        except BaseException:
            lock.close()
            raise
        self.writer = writer  # type: ignore[assignment]
        self._agent_hashes = agent_hashes
        return writer

    def _check_agents(self, agent_hashes: dict[str, str]) -> None:
        stored = {row["name"]: row for row in shards.read_campaign_table(self.path, "campaigns")}.get(self.name)
        if stored is None:
            return
        self._created_at = stored["created_at"] or self._created_at
        before = json.loads(stored["config"]).get("agents", {})
        changed = sorted(name for name, value in agent_hashes.items() if before.get(name, value) != value)
        if changed:
            raise ConfigError(f"agents {changed} changed their parameters or model since the shards in "
                              f"{str(self.path)!r} were written; resuming would mix two configurations",
                              hint="write to a new store (`store:` or --store), or restore the previous parameters")

    def _record(self, status: str, agent_hashes: dict[str, str]) -> None:
        config = {"campaign": self.campaign.model_dump(mode="json", by_alias=True), "agents": agent_hashes}
        row: dict[str, Any] = {"name": self.name, "config": json.dumps(config),
                               "config_hash": self.campaign.config_hash(), "status": status,
                               "created_at": self._created_at, "updated_at": utc_now()}
        shards.write_campaign_table(self.path, "campaigns", [row])

    def close(self, status: str) -> None:
        """Commit everything, record how the run ended, and release the directory."""
        if self.writer is None:
            return
        writer, self.writer = self.writer, None
        writer.close()
        self._record(status, self._agent_hashes)
