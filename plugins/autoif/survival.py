"""How many items survived each AutoIF stage, read back from the store, and the queries the docs suggest.

The counts come from the store rather than from the runtime's counters so that they are also right for a resumed
campaign and say why items were dropped, not only how many.
"""

from __future__ import annotations

from pathlib import Path

from synthloom import RunSummary

# (label, kind) in pipeline order: what reached each hand-off.
STAGES: tuple[tuple[str, str], ...] = (
    ("instruction candidates", "autoif.instruction_candidate"),
    ("unique instructions", "autoif.instruction"),
    ("verifier reply sets", "autoif.verifier_set"),
    ("functions cross-validated", "autoif.function_verdict"),
    ("instructions verified", "autoif.verified_instruction"),
    ("instructions after back-translation", "autoif.checked_instruction"),
    ("(instruction, query) prompts", "autoif.query"),
    ("response sets", "autoif.response_set"),
    ("responses passing the verifiers", "autoif.passed_response"),
    ("SFT examples (quality-judged)", "autoif.sft_example"),
    ("DPO pairs", "autoif.dpo_pair"),
)


def demo_queries() -> list[str]:
    """Three queries worth trying on an AutoIF store (also in docs/autoif.md)."""
    return [
        "SELECT stage, reason, count(*) AS n FROM dropped GROUP BY ALL ORDER BY stage, n DESC",
        "SELECT instruction, round(accuracy, 2) AS accuracy, kept, errors, left(func, 60) AS func "
        "FROM autoif_function_verdict ORDER BY instruction, accuracy DESC",
        "SELECT r.instruction, left(r.query, 40) AS query, round(r.pass_rate, 2) AS pass_rate, s.mean_score "
        "FROM autoif_passed_response r LEFT JOIN autoif_sft_example s ON list_contains(s.parents, r.id) "
        "ORDER BY pass_rate DESC",
    ]


def survival(store: str | Path, campaign: str) -> tuple[list[tuple[str, int]], list[tuple[str, str, int]],
                                                         list[str], int]:
    """(stage label, count) per hand-off, (stage, reason, count) of drops, the agents that imported verifier
    replies, and how many instructions passed back-translation unchecked."""
    from synthloom.store import query

    _, rows = query(store, "SELECT kind, count(*) FROM messages WHERE campaign = ? GROUP BY kind", [campaign])
    counts = dict(rows)
    _, drops = query(store, "SELECT stage, reason, count(*) FROM dropped WHERE campaign = ? "
                            "GROUP BY ALL ORDER BY 1, 3 DESC", [campaign])
    _, imported = query(store, "SELECT DISTINCT agent FROM messages WHERE campaign = ? AND kind = "
                               "'autoif.verifier_set' AND len(parents) = 0", [campaign])
    _, unchecked = query(store, "SELECT count(*) FROM messages WHERE campaign = ? AND kind = "
                                "'autoif.checked_instruction' AND json_extract_string(payload, '$.nli_labels[0]') = "
                                "'unparsed'", [campaign])
    return ([(label, counts.get(kind, 0)) for label, kind in STAGES], [tuple(d) for d in drops],
            [a for (a,) in imported], unchecked[0][0])


def report(summary: RunSummary) -> str:
    """The survival table printed at the end of a campaign that uses AutoIF agents."""
    stages, drops, imported, unchecked = survival(summary.store, summary.campaign)
    lines = [f"AutoIF survival in campaign {summary.campaign!r} ({summary.status}):"]
    lines += [f"  {count:6d}  {label}" for label, count in stages]
    if drops:
        lines.append("dropped (stage, reason, count):")
        lines += [f"  {count:6d}  {stage}: {reason}" for stage, reason, count in drops]
    if imported:
        lines.append("note: verifier replies were also imported from recorded files by agent(s) "
                     f"{', '.join(imported)}, not only written by the campaign's model.")
    if unchecked:
        lines.append(f"note: {unchecked} instruction(s) passed back-translation unchecked: the model's reply was not a "
                     "list of instructions and the back-translator was told `unparsed: keep`.")
    lines.append("queries worth trying:")
    lines += [f"  synthloom sql \"{sql}\" --store {summary.store}" for sql in demo_queries()]
    return "\n".join(lines)
