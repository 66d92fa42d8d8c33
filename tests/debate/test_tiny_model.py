"""A whole debate with a real model, a tiny random Llama built from a config: the transformers backend batches the
turns of all debates; then the same debate replayed from the recorded calls gives the same statements."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from synthloom import query

TOPICS = [{"topic": "Zoos should be phased out", "affirmative": ["Cages harm animals."],
           "negative": ["Zoos save species."]},
          {"topic": "Voting should be compulsory"}]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.selection.tiny import build_tiny_model

    return build_tiny_model(tmp_path_factory.mktemp("tiny-llama"))


def debate(model: dict) -> dict:
    return {"name": "tiny", "models": {"default": model},
            "agents": [{"name": "topics", "use": "debate.topics", "with": {"path": "topics.jsonl"}},
                       {"name": "debate", "use": "debate.debaters",
                        "with": {"rounds": 1, "list_max_tokens": 24, "max_tokens": 12, "conclusion_max_tokens": 16}}]}


def statements(store: str) -> list[tuple]:
    return query(store, "SELECT side, argument, statement, template, transcript FROM debate_conclusion "
                        "ORDER BY side, argument")[1]


@pytest.mark.model
def test_a_debate_with_a_tiny_model_then_replayed_from_its_recorded_calls(tmp_path, tiny, campaign, run) -> None:
    model = {"backend": "transformers", "model": str(tiny), "dtype": "float32", "max_context": 1024}
    summary = run(campaign(debate(model), TOPICS))
    assert summary.outcome == "finished"
    store = summary.store
    # the random model's lists are noise: each side of the second topic is debated or dropped, never lost
    _, sides = query(store, "SELECT (SELECT count(*) FROM debate_arguments) + (SELECT count(*) FROM dropped "
                            "WHERE reason = 'no_arguments')")
    assert sides == [(4,)]
    made = statements(store)
    assert {(side, argument) for side, argument, *_ in made} >= {("affirmative", "Cages harm animals."),
                                                                 ("negative", "Zoos save species.")}
    assert all(len(json.loads(transcript)) == 2 for *_, transcript in made)
    # opening turns of the given arguments went to the model as one batch
    _, waves = query(store, "SELECT count(DISTINCT latency_ms) FROM model_calls WHERE request LIKE "
                            "'%Please provide your detailed explanations%'")
    assert waves == [(1,)]

    _, calls = query(store, "SELECT request, response FROM model_calls WHERE NOT cached ORDER BY created_at")
    recorded = tmp_path / "recorded.jsonl"
    recorded.write_text("".join(json.dumps({"prompt": "\n".join(m["content"] for m in json.loads(request)["messages"]),
                                            "response": json.loads(response)["generations"][0]["text"]}) + "\n"
                                for request, response in calls))
    replayed = run(campaign(debate({"backend": "replay", "file": str(recorded)}), name="replay.yaml"),
                   tmp_path / "replay.duckdb")
    assert replayed.outcome == "finished" and statements(replayed.store) == made
