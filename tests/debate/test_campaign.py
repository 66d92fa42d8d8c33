"""Debates as campaigns: two models, turns batched across debates, lineage, seeded instructions, exports."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from synthloom import query
from tests.debate.recording_backend import CALLS

TOPICS = ["Cities should ban private cars", "Homework should be abolished", "Voting should be compulsory"]


def two_models(**debaters: Any) -> dict[str, Any]:
    return {
        "name": "two-models",
        "models": {"small": {"backend": "recording", "model": "small", "delay_s": 0.05},
                   "large": {"backend": "recording", "model": "large", "delay_s": 0.05}},
        "agents": [{"name": "topics", "use": "debate.topics", "with": {"path": "topics.jsonl"}},
                   {"name": "debate", "use": "debate.debaters",
                    "with": {"affirmative": "small", "negative": "large", "arg_num": 2, **debaters}}],
        "export": [{"kind": "debate.conclusion", "format": "trl-sft", "path": "out/sft.jsonl"},
                   {"kind": "debate.conclusion", "format": "debate-alpaca", "path": "out/alpaca.json"}],
    }


def test_two_models_debate_every_argument_with_each_turn_batched_across_debates(tmp_path, campaign, run) -> None:
    summary = run(campaign(two_models(), [{"topic": t} for t in TOPICS]))
    assert summary.outcome == "finished"
    store = summary.store
    # 3 topics x 2 sides x 2 arguments = 12 debates of 2 rounds: 4 turns each, then the conclusion
    _, turns = query(store, "SELECT side, turn, speaker, model, count(*) FROM debate_turn GROUP BY ALL ORDER BY ALL")
    assert turns == [("affirmative", 1, "holder", "small", 6), ("affirmative", 2, "opponent", "large", 6),
                     ("affirmative", 3, "holder", "small", 6), ("affirmative", 4, "opponent", "large", 6),
                     ("negative", 1, "holder", "large", 6), ("negative", 2, "opponent", "small", 6),
                     ("negative", 3, "holder", "large", 6), ("negative", 4, "opponent", "small", 6)]
    _, conclusions = query(store, "SELECT side, model, count(*) FROM debate_conclusion GROUP BY ALL ORDER BY ALL")
    assert conclusions == [("affirmative", "small", 6), ("negative", "large", 6)]  # the holder's side watches
    # Each model got each step of every debate as one batch: the three lists of its side, then six turns per wave.
    assert sorted((c.model, c.kinds) for c in CALLS) == sorted(
        [(m, ("list",) * 3) for m in ("small", "large")] + [(m, ("turn",) * 6) for m in ("small", "large")] * 4
        + [(m, ("conclusion",) * 6) for m in ("small", "large")])
    # ... and the two models answered at the same time, wave after wave
    waves = sorted(CALLS, key=lambda c: c.start)
    assert all(a.model != b.model and b.start < a.end for a, b in zip(waves[::2], waves[1::2]))
    sft = [json.loads(line) for line in (tmp_path / "out" / "sft.jsonl").read_text().splitlines()]
    alpaca = json.loads((tmp_path / "out" / "alpaca.json").read_text())
    assert len(sft) == len(alpaca) == 12
    assert {row["output"] for row in alpaca} == {"small conclusion after 5 lines", "large conclusion after 5 lines"}
    assert all(row["input"] == "" and row["instruction"].endswith('" ') for row in alpaca)
    assert [m["role"] for m in sft[0]["messages"]] == ["user", "assistant"]


def test_one_query_rebuilds_the_debate_behind_a_statement_from_lineage(campaign, run) -> None:
    store = run(campaign(two_models(rounds=3), [{"topic": TOPICS[0]}])).store
    _, [(conclusion_id, transcript)] = query(store, "SELECT id, transcript FROM debate_conclusion "
                                                    "WHERE side = 'negative' AND argument LIKE 'large reason one%'")
    _, chain = query(store, """
        WITH RECURSIVE chain AS (
            SELECT id, parents FROM messages WHERE id = ?
            UNION ALL SELECT m.id, m.parents FROM messages m JOIN chain ON list_contains(chain.parents, m.id))
        SELECT t.turn, t.speaker, t.model, t.text FROM chain JOIN debate_turn t USING (id) ORDER BY t.turn""",
                     [conclusion_id])
    assert [row[:3] for row in chain] == [(1, "holder", "large"), (2, "opponent", "small"), (3, "holder", "large"),
                                          (4, "opponent", "small"), (5, "holder", "large"), (6, "opponent", "small")]
    assert [row[3] for row in chain] == json.loads(transcript)
    _, progress = query(store, "SELECT count(*) FROM debate_turn t WHERE NOT EXISTS "
                               "(SELECT 1 FROM debate_conclusion c WHERE c.debate = t.debate)")
    assert progress == [(0,)]  # the query that lists debates still in progress: none once the campaign finished


def test_the_instruction_template_is_drawn_from_the_campaign_seed(tmp_path, campaign, run) -> None:
    def templates(seed: int, store: str) -> list[tuple[str, int, str]]:
        path = campaign({**two_models(), "seed": seed}, [{"topic": t} for t in TOPICS], name=f"{store}.yaml")
        summary = run(path, tmp_path / f"{store}.duckdb")
        return query(summary.store, "SELECT debate, template, instruction FROM debate_conclusion ORDER BY debate")[1]

    first, again, other = templates(1, "a"), templates(1, "b"), templates(2, "c")
    assert first == again
    assert len({t for _, t, _ in first}) > 3  # eleven paraphrases, drawn per statement
    assert [t for _, t, _ in first] != [t for _, t, _ in other]
    assert all(instruction.startswith(("Suppose", "Assuming", "If", "Given", "In", "Should", "When", "Being"))
               for _, _, instruction in first)


def test_given_arguments_are_debated_without_asking_for_a_list(campaign, run) -> None:
    topics = [{"topic": "Zoos should be phased out", "affirmative": ["Cages harm animals.", "cages  harm animals."],
               "Negative": {"arguments": ["Zoos breed endangered species."]}}]
    summary = run(campaign(two_models(rounds=1), topics))
    _, arguments = query(summary.store, "SELECT side, rule, arguments, model FROM debate_arguments ORDER BY side")
    assert arguments == [("affirmative", "given", '["Cages harm animals."]', ""),
                         ("negative", "given", '["Zoos breed endangered species."]', "")]
    assert not any("list" in c.kinds for c in CALLS)
    _, dropped = query(summary.store, "SELECT reason, subject FROM dropped")
    assert dropped == [("duplicate_argument", "cages  harm animals.")]
    assert query(summary.store, "SELECT count(*) FROM debate_conclusion")[1] == [(2,)]
