"""Bad input: a broken topic file, lists without numbers, empty and truncated replies, unknown model names."""

from __future__ import annotations

from typing import Any

import pytest

from synthloom import ConfigError, query

REPLAY = {"backend": "replay", "rules": [
    {"match": "You are Affirmative to this topic.\nPlease provide your arguments", "reply": "1. Pro one.\n2. Pro two."},
    {"match": "You are Negative to this topic.\nPlease provide your arguments",
     "reply": "Cars are noisy and they pollute; we should not ban them."},
    {"match": "You are watching a debating", "reply": "A statement."}], "default": "A turn."}


def debate(models: dict[str, Any] | None = None, topics: dict[str, Any] | None = None,
           **debaters: Any) -> dict[str, Any]:
    return {"name": "bad-input", "models": models or {"default": REPLAY},
            "agents": [{"name": "topics", "use": "debate.topics", "with": {"path": "topics.jsonl", **(topics or {})}},
                       {"name": "debate", "use": "debate.debaters", "with": {"rounds": 1, **debaters}}]}


def test_a_broken_topic_line_stops_the_campaign_with_its_file_and_line(tmp_path, campaign, run) -> None:
    path = campaign(debate(), [{"topic": "One"}])
    (tmp_path / "topics.jsonl").write_text('{"topic": "One"}\n{"topic": "Two"\n{"topic": "Three"}\n')
    with pytest.raises(ConfigError) as error:
        run(path)
    assert f"{tmp_path / 'topics.jsonl'}:2" in str(error.value) and "invalid JSON" in str(error.value)


def test_with_on_bad_row_drop_broken_and_topicless_rows_are_dropped_and_the_rest_debated(tmp_path, campaign,
                                                                                        run) -> None:
    path = campaign(debate(topics={"on_bad_row": "drop"}))
    (tmp_path / "topics.jsonl").write_text('{"topic": "One"}\n{"topic": "Two"\n{"title": "Three"}\n"Four"\n'
                                           '{"topic": "Five", "negative": "not a list"}\n')
    summary = run(path)
    assert summary.outcome == "finished"
    _, dropped = query(summary.store, "SELECT reason, subject FROM dropped WHERE stage = 'topics' ORDER BY subject")
    where = str(tmp_path / "topics.jsonl")
    assert dropped == [("invalid_json", f"{where}:2"), ("missing_field", f"{where}:3"),
                       ("bad_arguments", f"{where}:5")]
    assert query(summary.store, "SELECT topic FROM debate_topic ORDER BY topic")[1] == [("Four",), ("One",)]


def test_a_list_without_numbers_drops_that_side_with_the_reason(campaign, run) -> None:
    summary = run(campaign(debate(), ["Cars should be banned"]))
    _, dropped = query(summary.store, "SELECT reason, detail FROM dropped")
    assert dropped == [("no_arguments", "no negative arguments on 'Cars should be banned': no numbered or bulleted "
                                        "line in the reply (rule: none)")]
    _, statements = query(summary.store, "SELECT side, argument, statement FROM debate_conclusion ORDER BY argument")
    assert statements == [("affirmative", "Pro one.", "A statement."), ("affirmative", "Pro two.", "A statement.")]


def test_an_empty_turn_is_asked_again_then_ends_its_debate_with_a_reason(campaign, run) -> None:
    models = {"default": {**REPLAY, "rules": [{"match": "proposed by your opponent", "reply": ""}, *REPLAY["rules"]]}}
    summary = run(campaign(debate(models, retries=2), ["Cars should be banned"]))
    assert summary.outcome == "finished"
    _, dropped = query(summary.store, "SELECT reason, subject, detail FROM dropped WHERE reason = 'empty_turn'")
    assert len(dropped) == 2
    assert all(d[2].startswith("turn 2 (opponent, model default) of the affirmative debate on 'Pro ")
               and d[2].endswith("was empty after 3 attempt(s)") for d in dropped)
    _, subjects = query(summary.store, "SELECT debate FROM debate_turn")
    assert sorted(d[1] for d in dropped) == sorted(s[0] for s in subjects)  # the debate each one ended
    _, asked = query(summary.store, "SELECT count(*) FROM model_calls WHERE request LIKE '%proposed by your opponent%'")
    assert asked == [(6,)]  # three seeds per empty turn
    assert query(summary.store, "SELECT count(*) FROM debate_conclusion")[1] == [(0,)]


@pytest.mark.parametrize("drop", [False, True])
def test_truncated_replies_are_flagged_and_truncated_conclusions_dropped_on_request(campaign, run, drop) -> None:
    models = {"default": {"backend": "replay", "function": "tests.debate.replay_functions:cut_off"}}
    summary = run(campaign(debate(models, drop_truncated=drop, arg_num=1), ["Cars should be banned"]))
    _, turns = query(summary.store, "SELECT bool_and(truncated), count(*) FROM debate_turn")
    assert turns == [(True, 4)]
    _, kept = query(summary.store, "SELECT count(*) FROM debate_conclusion WHERE truncated")
    _, dropped = query(summary.store, "SELECT reason, detail FROM dropped")
    if drop:
        assert kept == [(0,)] and len(dropped) == 2 and dropped[0][0] == "truncated_conclusion"
        assert "cut at conclusion_max_tokens = 2048" in dropped[0][1]
    else:
        assert kept == [(2,)] and dropped == []


def test_debaters_named_after_models_the_campaign_lacks_fail_every_item_with_the_names(campaign, run) -> None:
    summary = run(campaign(debate(affirmative="large", negative="default"), ["Cars should be banned"]))
    assert summary.outcome == "failed" and summary.agents["debate"].failed == 1
    _, [(error,)] = query(summary.store, "SELECT error FROM failure")
    assert "agent 'debate' asked for model 'large', which the campaign does not define (defined: default)" in error


def test_a_debate_turn_has_one_reply(campaign, run) -> None:
    with pytest.raises(ConfigError, match="samples"):
        run(campaign(debate(samples=2), ["Cars should be banned"]))
