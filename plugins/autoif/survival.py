"""How many items survived each AutoIF stage, read back from the store, and the queries the docs suggest.

The counts come from the store rather than from the runtime's counters so that they are also right for a resumed
campaign and say why items were dropped, not only how many.
"""

from __future__ import annotations

from pathlib import Path

from synthloom import RunSummary

# (label, kind, the `dropped` stage that stops items on the way there) in pipeline order: what reached each
# hand-off.
STAGES: tuple[tuple[str, str, str], ...] = (
    ("instruction candidates", "autoif.instruction_candidate", "instruction_writer"),
    ("unique instructions", "autoif.instruction", "dedup"),
    ("verifier reply sets", "autoif.verifier_set", "verifier_writer"),
    ("functions cross-validated", "autoif.function_verdict", "cross_validation"),
    ("instructions verified", "autoif.verified_instruction", "cross_validation"),
    ("instructions after back-translation", "autoif.checked_instruction", "back_translation"),
    ("(instruction, query) prompts", "autoif.query", "query_pairing"),
    ("response sets", "autoif.response_set", "responder"),
    ("responses passing the verifiers", "autoif.passed_response", "rejection_sampling"),
    ("SFT examples (quality-judged)", "autoif.sft_example", "quality"),
    ("DPO pairs", "autoif.dpo_pair", "dpo"),
)
# The hand-offs each output needs, itself last: DPO pairs come from every response's pass rate, not from passed ones.
PATHS: dict[str, tuple[str, ...]] = {
    "SFT examples": tuple(label for label, _, _ in STAGES if label != "DPO pairs"),
    "DPO pairs": tuple(label for label, _, _ in STAGES[:8]) + ("DPO pairs",),
}


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
    return ([(label, counts.get(kind, 0)) for label, kind, _ in STAGES], [tuple(d) for d in drops],
            [a for (a,) in imported], unchecked[0][0])


def stopped_at(stages: list[tuple[str, int]], drops: list[tuple[str, str, int]]) -> list[str]:
    """For each output the campaign made none of (SFT examples, DPO pairs): the first hand-off that nothing reached
    and the drop reasons recorded there, so that a run without data says which stage stopped it and why. Empty
    when nothing ran at all (a campaign that starts from imported files has no earlier stages)."""
    counts = dict(stages)
    drop_stage = {label: stage for label, _, stage in STAGES}
    lines = []
    for output, path in PATHS.items():
        reached = [label for label in path if counts.get(label, 0) > 0]
        if counts.get(path[-1], 0) > 0 or not reached:
            continue
        label = next(label for label in path[path.index(reached[0]):] if counts.get(label, 0) == 0)
        reasons = [f"{reason} x{count}" for stage, reason, count in drops if stage == drop_stage[label]]
        why = ", ".join(reasons) if reasons else "nothing was recorded as dropped there; see the failed items"
        lines.append(f"no {output}: the chain stopped at {label!r} ({drop_stage[label]}: {why})")
    return lines


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
    failed = [f"{name} x{agent.failed}" for name, agent in summary.agents.items() if agent.failed]
    if failed:
        lines.append(f"failed items (model, sandbox or agent errors; see the log): {', '.join(failed)}")
    lines += [f"note: {line}" for line in stopped_at(stages, drops)]
    lines.append("queries worth trying:")
    lines += [f"  synthloom sql \"{sql}\" --store {summary.store}" for sql in demo_queries()]
    return "\n".join(lines)
