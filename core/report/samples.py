"""Samples: a fixed-size sample of the rows a campaign exports, and of the items it dropped, each with its lineage and
the images its messages carry.

The sample is chosen in SQL by a hash of the message id, so the same campaign always shows the same rows and a
campaign of millions of messages costs no more than one of a hundred.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any, Iterator

from synthloom.report.lineage import Step, lineage
from synthloom.report.reader import CampaignInfo

SAMPLE_ROWS = 50
IMAGE_MIMES = ("image/png", "image/jpeg", "image/gif", "image/webp")
IMAGE_BUDGET = 8 * 1024 * 1024   # bytes of images inlined per sample set; past it an image is named, not shown


@dataclass(frozen=True)
class Target:
    """What to sample: a kind, from one agent or any, and why (the export it feeds, or the last stage)."""

    kind: str
    agent: str | None
    why: str


@dataclass(frozen=True)
class SampleSet:
    target: Target
    total: int
    rows: list[Step]
    lineage: dict[str, list[Step]]
    images: dict[str, str] = field(default_factory=dict)   # sha256 -> data URL


def targets(con: Any, info: CampaignInfo) -> list[Target]:
    """The campaign's exports; without any, the kinds its last producing agent stored. Dropped items always."""
    found = [Target(e["kind"], e.get("agent"), f"exported as {e.get('format', '?')} to {e.get('path', '?')}")
             for e in info.exports if "kind" in e]
    if not found:
        order = {name: index for index, name in enumerate(info.agent_order)}
        rows = con.execute("SELECT agent, kind, max(created_at) FROM messages WHERE campaign = ? AND kind NOT IN "
                           "('dropped', 'failure') GROUP BY ALL", [info.name]).fetchall()
        if rows:
            last = max(rows, key=lambda r: (order.get(r[0], -1), r[2]))[0]
            found = [Target(kind, agent, "the last stage's output (the campaign exports nothing)")
                     for agent, kind, _ in sorted(rows) if agent == last]
    return [*found, Target("dropped", None, "items a stage did not pass on")]


def sample(con: Any, info: CampaignInfo, target: Target, limit: int = SAMPLE_ROWS) -> SampleSet:
    where, params = "campaign = ? AND kind = ?", [info.name, target.kind]
    if target.agent:
        where, params = where + " AND agent = ?", [*params, target.agent]
    total = con.execute(f"SELECT count(*) FROM messages WHERE {where}", params).fetchone()[0]
    ids = [row[0] for row in con.execute(f"SELECT id FROM messages WHERE {where} ORDER BY hash(id), id LIMIT ?",
                                         [*params, limit]).fetchall()]
    chains = lineage(con, info.name, info.seed, ids)
    rows = [chains[i][0] for i in ids if i in chains]
    shas = sorted({sha for steps in chains.values() for step in steps for sha, _ in image_refs(step.payload)})
    return SampleSet(target, int(total), rows, chains, _images(con, shas))


def image_refs(value: Any) -> Iterator[tuple[str, str]]:
    """(sha256, mime) of every image a payload refers to: messages keep `{"sha256", "mime", ...}`, bytes are in
    blobs."""
    from synthloom.store.rows import image_dicts

    for ref in image_dicts(value):
        yield ref["sha256"], str(ref["mime"])


def _images(con: Any, shas: list[str]) -> dict[str, str]:
    if not shas:
        return {}
    urls, spent = {}, 0
    for sha, mime, size in con.execute("SELECT sha256, mime, size FROM images WHERE sha256 IN "
                                       "(SELECT unnest(?)) ORDER BY sha256", [shas]).fetchall():
        if mime not in IMAGE_MIMES or spent + size > IMAGE_BUDGET:
            continue
        data = con.execute("SELECT data FROM blobs WHERE sha256 = ?", [sha]).fetchone()[0]
        if data is None:  # its file is missing (a store copied without its image folder)
            continue
        urls[sha] = f"data:{mime};base64,{base64.b64encode(data).decode()}"
        spent += size
    return urls
