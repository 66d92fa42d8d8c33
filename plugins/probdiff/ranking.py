"""Ranking records of `synthloom probdiff evaluate` (from one or several files): the same grouping as the
`probdiff.compare` agent, on plain rows."""

from __future__ import annotations

from typing import Any, Sequence

from synthloom.plugins.probdiff import parsing


def rank_records(records: Sequence[dict[str, Any]], threshold: float = parsing.TIE_THRESHOLD) -> dict[str, Any]:
    """Per query (every model's ProbDiff, strongest first, and the tied best) and overall standings, over the
    queries every model answered; the first record per (model, query) counts."""
    models = sorted({r["model"] for r in records})
    grouped: dict[str, dict[str, float]] = {}
    for record in records:
        grouped.setdefault(record["query"], {}).setdefault(record["model"], float(record["probdiff"]))
    complete = {q: v for q, v in grouped.items() if len(v) == len(models)}
    queries = []
    for query, values in complete.items():
        order, best = parsing.query_order(values, threshold)
        queries.append({"query": query, "probdiff": values, "ranked": order, "best": best})
    standings = parsing.rank_models(list(complete.values()), threshold)
    return {"tie_threshold": threshold, "queries": len(complete), "incomplete": len(grouped) - len(complete),
            "models": [s.as_row(rank) for rank, s in enumerate(standings, 1)], "per_query": queries}
