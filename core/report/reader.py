"""Opening a store for the report: checked once, then read through short read-only connections.

A running campaign's writer opens the file only to flush (about every 2 s) and waits while a reader holds it, so
the report never keeps one connection for the whole page: each section reads through its own (`connection()`), and
the writer gets the file back between sections.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Iterator

from synthloom.errors import ConfigError, StoreError
from synthloom.store.connection import reading
from synthloom.store.schema import READABLE_VERSIONS, SCHEMA_VERSION

FINISHED = "finished"


@dataclass(frozen=True)
class CampaignInfo:
    """A campaign as the `campaigns` table records it; `config` is the validated campaign file as JSON."""

    name: str
    status: str
    created_at: datetime | None
    updated_at: datetime | None
    config: dict[str, Any] = field(default_factory=dict)

    @property
    def partial(self) -> bool:
        """Anything but a finished run: still running, killed, interrupted or out of budget."""
        return self.status != FINISHED

    @property
    def seed(self) -> int:
        return int(self.config.get("seed", 0) or 0)

    @property
    def agent_order(self) -> list[str]:
        return [agent["name"] for agent in self.config.get("agents", []) if "name" in agent]

    @property
    def exports(self) -> list[dict[str, Any]]:
        return list(self.config.get("export", []))


class StoreReader:
    """One store file, checked to be a synthloom store of this schema version."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        with self.connection() as con:
            _check_schema(con, self.path)

    @contextlib.contextmanager
    def connection(self) -> Iterator[Any]:
        """A read-only connection for a few queries; closed afterwards so that the writer can flush. DuckDB's
        progress bar is off: it would draw on the terminal of `synthloom report` and of the live view."""
        with reading(self.path) as con:
            con.execute("SET enable_progress_bar = false")
            yield con

    def campaigns(self) -> list[CampaignInfo]:
        with self.connection() as con:
            rows = con.execute("SELECT name, status, created_at, updated_at, config FROM campaigns "
                               "ORDER BY updated_at DESC NULLS LAST, name").fetchall()
        return [CampaignInfo(name, status or "unknown", created, updated, _campaign_config(config))
                for name, status, created, updated, config in rows]

    def campaign(self, name: str | None) -> CampaignInfo | None:
        """The campaign to show: the one named, or the store's only one (None for a store that holds none)."""
        found = self.campaigns()
        if name is not None:
            for info in found:
                if info.name == name:
                    return info
            known = ", ".join(info.name for info in found) or "none"
            raise ConfigError(f"store {str(self.path)!r} holds no campaign {name!r}",
                              hint=f"campaigns in it: {known}")
        if len(found) > 1:
            raise ConfigError(f"store {str(self.path)!r} holds {len(found)} campaigns",
                              hint="choose one with --campaign: " + ", ".join(info.name for info in found))
        return found[0] if found else None


def _campaign_config(text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    return json.loads(text).get("campaign", {})


def _check_schema(con: Any, path: Path) -> None:
    tables = {row[0] for row in con.execute("SELECT table_name FROM information_schema.tables "
                                           "WHERE table_catalog = current_database()").fetchall()}
    if "meta" not in tables:
        raise StoreError(f"{str(path)!r} is not a synthloom store (tables: {sorted(tables) or 'none'})",
                         hint="give --store the DuckDB file a campaign wrote (`store:` in the campaign file)")
    row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    version = row[0] if row else None
    if version not in READABLE_VERSIONS:
        raise StoreError(f"store {str(path)!r} has schema version {version!r}; this synthloom reads {SCHEMA_VERSION!r}",
                         hint="report it with the synthloom version that wrote it")
