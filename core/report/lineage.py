"""Lineage: the chain of messages that led to a sample, each with the model calls its agent made for it.

Messages name their parents, so the chain is a recursive query. Model calls do not name the message they served;
they are matched through the seed an agent derives from its input (`seed=ctx.seed_for(item.id)`, the convention
every first-party agent follows): a call of agent A whose request seed is A's seed for a parent P served the
messages A made from P. Calls made without that seed (score requests, for one) are not shown.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from synthloom.context import Context

MAX_DEPTH = 12
MAX_STEPS = 40        # messages shown per sample, nearest first
MAX_TEXT = 4000       # characters of one field, prompt or reply before it is cut


@dataclass(frozen=True)
class Call:
    model: str
    op: str
    cached: bool
    prompt: str
    reply: str
    prompt_tokens: int
    completion_tokens: int
    latency_ms: float
    error: str | None


@dataclass(frozen=True)
class Step:
    """One message of a lineage; depth 0 is the sample itself, 1 its parents, and so on."""

    depth: int
    id: str
    kind: str
    agent: str
    created_at: datetime
    payload: dict[str, Any]
    calls: list[Call] = field(default_factory=list)


def clip(value: str, limit: int = MAX_TEXT) -> str:
    return value if len(value) <= limit else f"{value[:limit]}… ({len(value) - limit:,} more characters)"


@functools.lru_cache(maxsize=65536)
def input_seed(campaign_seed: int, agent: str, input_id: str) -> int:
    """The sampling seed agent `agent` derived for input `input_id`, exactly as its context did."""
    context = Context(campaign="", agent=agent, seed=campaign_seed, models={}, sandbox=None,  # type: ignore[arg-type]
                      default_model=None)
    return context.seed_for(input_id)


def lineage(con: Any, campaign: str, campaign_seed: int, ids: list[str]) -> dict[str, list[Step]]:
    """The chain of each message in `ids`, nearest first, with the model calls matched to each step."""
    if not ids:
        return {}
    rows = con.execute(
        "WITH RECURSIVE chain(root, id, depth) AS ("
        " SELECT id, id, 0 FROM messages WHERE campaign = ? AND id IN (SELECT unnest(?))"
        " UNION"
        " SELECT c.root, unnest(m.parents), c.depth + 1 FROM chain c JOIN messages m ON m.id = c.id"
        f" WHERE c.depth < {MAX_DEPTH})"
        " SELECT c.root, min(c.depth) AS depth, m.id, m.kind, m.agent, m.created_at, m.parents, m.payload"
        " FROM chain c JOIN messages m ON m.id = c.id GROUP BY ALL ORDER BY c.root, depth, m.created_at",
        [campaign, ids]).fetchall()
    chains: dict[str, list[tuple[Step, list[str]]]] = {}
    for root, depth, mid, kind, agent, created, parents, payload in rows:
        steps = chains.setdefault(root, [])
        if len(steps) < MAX_STEPS:
            steps.append((Step(int(depth), mid, kind, agent, created, json.loads(payload)), list(parents or [])))
    wanted = {(step.agent, input_seed(campaign_seed, step.agent, parent))
              for steps in chains.values() for step, parents in steps for parent in parents}
    calls = _calls(con, campaign, wanted)
    return {root: [_with_calls(step, parents, calls, campaign_seed) for step, parents in steps]
            for root, steps in chains.items()}


def _with_calls(step: Step, parents: list[str], calls: dict[tuple[str, int], list[Call]], seed: int) -> Step:
    matched = [call for parent in parents for call in calls.get((step.agent, input_seed(seed, step.agent, parent)), [])]
    return Step(step.depth, step.id, step.kind, step.agent, step.created_at, step.payload, matched)


def _calls(con: Any, campaign: str, wanted: set[tuple[str, int]]) -> dict[tuple[str, int], list[Call]]:
    if not wanted:
        return {}
    agents = sorted({agent for agent, _ in wanted})
    seeds = sorted({seed for _, seed in wanted})
    rows = con.execute(
        "SELECT * FROM (SELECT agent, TRY_CAST(json_extract_string(request, '$.seed') AS BIGINT) AS seed, model, op, "
        "cached, request, response, prompt_tokens, completion_tokens, latency_ms, error, created_at "
        "FROM model_calls WHERE campaign = ? AND agent IN (SELECT unnest(?))) "
        "WHERE seed IN (SELECT unnest(?)) ORDER BY created_at", [campaign, agents, seeds]).fetchall()
    found: dict[tuple[str, int], list[Call]] = {}
    for agent, seed, model, op, cached, request, response, pt, ct, latency, error, _ in rows:
        if (agent, seed) in wanted:
            found.setdefault((agent, seed), []).append(Call(
                model, op, bool(cached), clip(_request_text(request)), clip(_reply_text(response)), int(pt or 0),
                int(ct or 0), float(latency or 0.0), error))
    return found


def _request_text(request: str) -> str:
    data = json.loads(request)
    if data.get("prompt") is not None:
        return data["prompt"]
    if data.get("messages"):
        return "\n\n".join(f"[{m.get('role', '?')}] {m.get('content', '')}" for m in data["messages"])
    return json.dumps(data, ensure_ascii=False)


def _reply_text(response: str) -> str:
    data = json.loads(response)
    texts = [g.get("text", "") for g in data.get("generations") or []]
    if texts:
        return "\n\n―――\n\n".join(texts)
    return json.dumps(data, ensure_ascii=False)
