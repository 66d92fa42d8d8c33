"""One campaign's store: opened and verified, its kinds registered as views, and its progress read back on resume.

Everything the runtime, the budget and the exporters ask of the database is a method here, so that the SQL lives in
one package and the runtime only schedules.
"""

from __future__ import annotations

import contextlib
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, Mapping

from synthloom.errors import ConfigError
from synthloom.messages import Message, carried_bytes
from synthloom.store.rows import MESSAGE_COLUMNS, blob_reader, message_from_row, with_blobs
from synthloom.store.schema import view_name, view_sql
from synthloom.store.writer import StoreWriter

if TYPE_CHECKING:
    from synthloom.campaign import Campaign

BACKLOG_CHUNK = 2_000  # stored messages read at a time when a resumed campaign refills an inbox
# Image bytes a refill reads at most (a chunk's messages are then handed over in groups of about this much): 2,000
# stored messages of 2 MB photographs would otherwise be 4 GB read at once, past the inbox's own bound.
BACKLOG_IMAGE_BYTES = 32 * 2**20
BACKLOG_IMAGE_GROUP = 64  # messages whose images are read in one query


def _utc_now() -> datetime:
    """Naive UTC, as the store keeps timestamps."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


class CampaignStore:
    """The store of one campaign run. `open()` takes the writer's lock; `close()` releases it."""

    def __init__(self, path: Path, campaign: "Campaign", kinds: Mapping[str, type[Message]]) -> None:
        self.path = path
        self.campaign = campaign
        self.name = campaign.name
        self.kinds = kinds
        self.writer: StoreWriter | None = None
        self.opened_at = _utc_now()
        self._con: Any = None

    def open(self, agent_hashes: dict[str, str]) -> StoreWriter:
        """Take the store for this run: refuse agents whose configuration changed since it was written, record the
        campaign as running, and (re)create one typed view per message kind."""
        writer = StoreWriter(self.path, self.name)
        self.opened_at = _utc_now()
        try:
            with writer.connection() as con:
                row = con.execute("SELECT config FROM campaigns WHERE name = ?", [self.name]).fetchone()
                if row is not None:
                    previous = json.loads(row[0]).get("agents", {})
                    changed = [n for n, h in agent_hashes.items() if n in previous and previous[n] != h]
                    if changed:
                        raise ConfigError(
                            f"agents {changed} changed their parameters or model since store {str(self.path)!r} "
                            "was written; resuming would mix results of two configurations",
                            hint="write to a new store (`--store` or `store:`), or restore the previous parameters")
                config = json.dumps({"campaign": self.campaign.model_dump(mode="json", by_alias=True),
                                     "agents": agent_hashes})
                con.execute("INSERT INTO campaigns VALUES (?, ?, ?, 'running', now(), now()) ON CONFLICT (name) DO "
                            "UPDATE SET config = excluded.config, status = 'running', updated_at = now()",
                            [self.name, config, self.campaign.config_hash()])
                self._create_views(con)
        except BaseException:
            writer.close()
            raise
        self.writer = writer
        return writer

    def _create_views(self, con: Any) -> None:
        """Only the kinds that are new or whose fields changed: every plugin's kinds are registered, and redoing
        them all, one statement each, cost a second at every start."""
        stored = dict(con.execute("SELECT kind, json_schema FROM kinds").fetchall())
        changed = [(kind, schema, text) for kind, cls in self.kinds.items()
                   for schema in [cls.model_json_schema()] for text in [json.dumps(schema)] if stored.get(kind) != text]
        if not changed:
            return
        con.execute("BEGIN")
        for kind, schema, _ in changed:
            con.execute(view_sql(kind, schema, Message.BASE_FIELDS))
        con.execute("INSERT INTO kinds SELECT * FROM (SELECT unnest(?) AS kind, unnest(?) AS view, unnest(?) AS s) "
                    "ON CONFLICT (kind) DO UPDATE SET json_schema = excluded.json_schema",
                    [[k for k, _, _ in changed], [view_name(k) for k, _, _ in changed], [t for _, _, t in changed]])
        con.execute("COMMIT")

    @contextlib.contextmanager
    def session(self) -> Iterator[None]:
        """Share one connection between the reads inside the block (opening one costs milliseconds)."""
        assert self.writer is not None, "open() the store first"
        with self.writer.connection(scan=True) as con:
            self._con = con
            try:
                yield
            finally:
                self._con = None

    def _read(self) -> Any:
        if self._con is not None:
            return contextlib.nullcontext(self._con)
        assert self.writer is not None, "open() the store first"
        return self.writer.connection(scan=True)

    def marks(self) -> dict[str, set[str]]:
        """Per agent, the markers of source rounds and barrier runs done in earlier runs. (Which inputs an agent
        handled stays in the store: `backlog` leaves them out, so memory does not grow with the campaign.)"""
        found: dict[str, set[str]] = {}
        with self._read() as con:
            for agent, mark in con.execute("SELECT agent, input_id FROM handled WHERE campaign = ? "
                                           "AND starts_with(input_id, '__')", [self.name]).fetchall():
                found.setdefault(agent, set()).add(mark)
        return found

    def produced(self) -> dict[str, int]:
        """Per agent, how many messages (failures aside) it stored in earlier runs."""
        with self._read() as con:
            return dict(con.execute("SELECT agent, count(*) FROM messages WHERE campaign = ? AND kind <> 'failure' "
                                    "GROUP BY agent", [self.name]).fetchall())

    def backlog(self, agent: str, kinds: list[str], producers: list[str], chunk: int = BACKLOG_CHUNK,
                image_bytes: int = BACKLOG_IMAGE_BYTES) -> Iterator[list[Message]]:
        """The messages stored before this run that `agent` accepts but has not handled, oldest first, a chunk at a
        time (and, for messages with images, about `image_bytes` of them at a time): each is read on demand, on a
        short connection (other processes can read the store between two), so that resuming a campaign of millions
        holds only what is in flight."""
        if not kinds or not producers:
            return
        after: tuple[Any, str] | None = None
        while True:
            keyset = "AND (created_at > ? OR (created_at = ? AND id > ?)) " if after else ""
            params = [self.name, *kinds, *producers, self.opened_at, *((after[0], after[0], after[1]) if after else ()),
                      agent, chunk]
            with self._read() as con:
                rows = con.execute(
                    f"SELECT {MESSAGE_COLUMNS} FROM messages m WHERE campaign = ? "
                    f"AND kind IN ({', '.join('?' for _ in kinds)}) AND agent IN ({', '.join('?' for _ in producers)}) "
                    f"AND created_at <= ? {keyset}"
                    "AND NOT EXISTS (SELECT 1 FROM handled h WHERE h.campaign = m.campaign AND h.agent = ? "
                    "AND h.input_id = m.id) ORDER BY created_at, id LIMIT ?", params).fetchall()
            if not rows:
                return
            after = (rows[-1][5], rows[-1][0])
            yield from self._with_images([row for row in rows if row[1] in self.kinds], image_bytes)

    def _with_images(self, rows: list[tuple[Any, ...]], budget: int) -> Iterator[list[Message]]:
        """`rows` as messages, handed over in groups of about `budget` image bytes (all at once when they carry no
        image), each group's images read only when the group before it has been taken."""
        def read(shas: list[str]) -> dict[str, bytes]:
            with self._read() as con:
                return blob_reader(con)(shas)

        group: list[Message] = []
        size = 0
        for start in range(0, len(rows), BACKLOG_IMAGE_GROUP):
            messages = [message_from_row(row, self.kinds)
                        for row in with_blobs(rows[start:start + BACKLOG_IMAGE_GROUP], read)]
            group += messages
            size += sum(carried_bytes(message) for message in messages)
            if size >= budget:
                yield group
                group, size = [], 0
        if group:
            yield group

    def existing(self, ids: list[str]) -> set[str]:
        """Which of these message ids the store already holds (a source re-running a round a kill cut short)."""
        if not ids:
            return set()
        with self._read() as con:
            return {row[0] for row in con.execute("SELECT id FROM messages WHERE id IN (SELECT unnest(?))",
                                                  [ids]).fetchall()}

    def spent(self) -> tuple[float, int, int]:
        """Cost, tokens and calls paid so far (fresh calls only: cached replays are free)."""
        with self._read() as con:
            cost, tokens, calls = con.execute(
                "SELECT coalesce(sum(cost), 0), coalesce(sum(prompt_tokens + completion_tokens), 0), count(*) "
                "FROM model_calls WHERE campaign = ? AND NOT cached", [self.name]).fetchone()
        return float(cost), int(tokens), int(calls)

    def close(self, status: str) -> None:
        """Flush everything, record how the run ended, and release the store."""
        if self.writer is None:
            return
        writer, self.writer = self.writer, None
        writer.close(last=lambda con: con.execute("UPDATE campaigns SET status = ?, updated_at = now() WHERE name = ?",
                                                  [status, self.name]))


def load_messages(path: str | Path, kind: str, kinds: Mapping[str, type[Message]], campaign: str | None = None,
                  agent: str | None = None) -> list[Message]:
    """Every stored message of `kind` (of one campaign, of one agent), ordered by id, read-only."""
    from synthloom.store.connection import reading

    sql = f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE kind = ?"
    params: list[Any] = [kind]
    if campaign:
        sql += " AND campaign = ?"
        params.append(campaign)
    if agent:
        sql += " AND agent = ?"
        params.append(agent)
    with reading(path) as con:
        rows = with_blobs(con.execute(sql + " ORDER BY id", params).fetchall(), blob_reader(con))
    return [message_from_row(row, kinds) for row in rows]
