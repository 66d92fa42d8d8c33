"""The funnel: per agent, inputs handled and items kept, dropped or failed, and why items were dropped.

It reads only the core's conventions (`dropped` and `failure` messages, the `handled` table), so it draws any
campaign of any plugin.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class AgentCounts:
    """`handled`: inputs the agent handled (rounds, for a source); `kept`: messages it passed on."""

    agent: str
    handled: int
    kept: int
    dropped: int
    failed: int


@dataclass(frozen=True)
class Reason:
    """One drop reason (or failure type) of one stage, how often, and one example of its detail."""

    stage: str
    reason: str
    count: int
    example: str


@dataclass(frozen=True)
class Funnel:
    agents: list[AgentCounts]
    dropped: list[Reason]
    failed: list[Reason]


def funnel(con: Any, campaign: str, order: list[str]) -> Funnel:
    """Counts per agent in campaign order (`order`: the agents of the campaign file; others after, by first
    message), with the drop reasons per stage and the failure types per agent, most frequent first."""
    produced = {agent: (first, kept, dropped, failed) for agent, first, kept, dropped, failed in con.execute(
        "SELECT agent, min(created_at), count(*) FILTER (WHERE kind NOT IN ('dropped', 'failure')), "
        "count(*) FILTER (WHERE kind = 'dropped'), count(*) FILTER (WHERE kind = 'failure') "
        "FROM messages WHERE campaign = ? GROUP BY agent", [campaign]).fetchall()}
    handled = dict(con.execute("SELECT agent, count(*) FROM handled WHERE campaign = ? GROUP BY agent",
                               [campaign]).fetchall())
    first = {agent: str(row[0]) for agent, row in produced.items() if row[0] is not None}
    others = sorted((set(produced) | set(handled)) - set(order), key=lambda a: (first.get(a, "~"), a))
    agents = [AgentCounts(agent, int(handled.get(agent, 0)), *(int(n) for n in produced.get(agent, (0, 0, 0, 0))[1:]))
              for agent in [*order, *others]]
    return Funnel(agents, _reasons(con, campaign, "dropped", "stage", "reason", "detail"),
                  _reasons(con, campaign, "failure", None, "error_type", "error"))


def _reasons(con: Any, campaign: str, kind: str, stage: str | None, reason: str, detail: str) -> list[Reason]:
    stage_sql = f"json_extract_string(payload, '$.{stage}')" if stage else "agent"
    rows = con.execute(
        f"SELECT coalesce({stage_sql}, '?'), coalesce(json_extract_string(payload, '$.{reason}'), '?'), count(*), "
        f"any_value(json_extract_string(payload, '$.{detail}')) FROM messages WHERE campaign = ? AND kind = ? "
        "GROUP BY ALL ORDER BY 3 DESC, 1, 2", [campaign, kind]).fetchall()
    return [Reason(s, r, int(n), example or "") for s, r, n, example in rows]
