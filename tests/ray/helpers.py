"""Reading what a run stored, the same way for a DuckDB store and a shard directory."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from synthloom.store import query


def content(store: Path) -> list[tuple[Any, ...]]:
    """Every message's id, kind, agent, parents and payload: what must not depend on the executor. Parents are
    sorted: a barrier lists its inputs in the order they arrived (ids are derived from the sorted list)."""
    return query(store, "SELECT id, kind, agent, list_sort(parents), payload::VARCHAR FROM messages ORDER BY id")[1]


def fresh_calls(store: Path) -> dict[str, int]:
    """How many times each request was paid for (fresh, not answered from the cache)."""
    return dict(query(store, "SELECT request_hash, count(*) FROM model_calls WHERE NOT cached GROUP BY 1")[1])


def recorded_prompts(store: Path) -> set[str]:
    """The prompts of every reply the store has recorded (committed, or journaled by a writer)."""
    _, rows = query(store, "SELECT request::VARCHAR FROM model_calls WHERE NOT cached AND error IS NULL")
    prompts = {_prompt(json.loads(row[0])) for row in rows}
    for journal in (store / "journal").glob("*.journal*"):
        for line in journal.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                prompts.add(_prompt(json.loads(json.loads(line)["request"])))
            except (ValueError, KeyError):
                continue  # the torn last line of a killed write
    return prompts


def _prompt(request: dict[str, Any]) -> str:
    if request.get("prompt") is not None:
        return request["prompt"]
    return "\n".join(m["content"] for m in request["messages"])


def raw_duplicates(shards: Path) -> int:
    """Message rows committed more than once, before the views remove them."""
    import duckdb

    pattern = str(shards / "commits" / "*" / "messages.parquet")
    with duckdb.connect() as con:
        return con.execute(f"SELECT count(*) - count(DISTINCT id) FROM read_parquet('{pattern}')").fetchone()[0]
