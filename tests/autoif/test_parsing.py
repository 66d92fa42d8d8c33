"""Parsing model replies the way the reference scripts do, on the reference's own sample data."""

from __future__ import annotations

import json

from tests.autoif.helpers import fixture_rows

from synthloom.plugins.autoif import prompts
from synthloom.plugins.autoif.parsing.decisions import mean_score
from synthloom.plugins.autoif.parsing.replies import (
    continued_instructions,
    parse_back_translation,
    parse_instruction_list,
    parse_nli_label,
    parse_score,
    parse_verifier_reply,
    query_from_prompt,
)


def reply(obj: object) -> str:
    return "Here you go:\n```json\n" + json.dumps(obj) + "\n```"


def test_prompts_are_the_reference_wording() -> None:
    row = fixture_rows("eval_func_rft.jsonl")[0]
    assert prompts.verifier(row["instruction"]) == row["prompt"]
    query_row = fixture_rows("query_rft.jsonl")[0]
    query = query_from_prompt(query_row["prompt"])
    assert prompts.respond(query_row["instruction"], query) == query_row["prompt"]
    score_row = fixture_rows("query_rft_score.jsonl")[0]
    assert prompts.quality_judge(score_row["instruction"], score_row["query"], score_row["response"]) \
        == score_row["prompt"]


def test_sample_replies_parse_except_the_broken_ones() -> None:
    errors = [[parse_verifier_reply(r).error for r in row["gpt-answer"]] for row in fixture_rows("eval_func_rft.jsonl")]
    assert sum(e == "invalid_json" for row in errors for e in row) == 3
    assert sum(e is None for row in errors for e in row) == 37


def test_reply_without_fence_is_rejected_by_default_and_read_when_lenient() -> None:
    bare = json.dumps({"func": "def evaluate(response):\n    return True", "cases": []})
    assert parse_verifier_reply(bare).error == "no_json_fence"
    assert parse_verifier_reply(bare, require_fence=False).func is not None


def test_missing_keys_and_bad_code_have_reasons() -> None:
    assert parse_verifier_reply(reply({"cases": []})).error == "missing_func"
    assert parse_verifier_reply(reply(["not", "an", "object"])).error == "not_an_object"
    assert parse_verifier_reply(reply({"func": "def evaluate(response) return 1", "cases": []})).error \
        == "does_not_compile"
    assert parse_verifier_reply(reply({"func": "def check(r):\n    return 1", "cases": []})).error == "no_evaluate"
    parsed = parse_verifier_reply(reply({"func": "def evaluate(response):\n    return True",
                                         "cases": [{"input": "a"}, {"input": "b", "output": True}]}))
    assert parsed.cases == [("b", True)] and parsed.bad_cases == [{"input": "a"}]
    assert parse_verifier_reply(reply({"func": "def evaluate(response):\n    return True"})).error == "missing_cases"


def test_network_lines_are_stripped() -> None:
    func = "import requests\nfrom urllib.request import urlopen\ndef evaluate(response):\n    return True"
    parsed = parse_verifier_reply(reply({"func": func, "cases": []}))
    assert parsed.func == "def evaluate(response):\n    return True"
    assert len(parsed.stripped_lines) == 2


def test_instruction_lines_and_back_translations() -> None:
    assert parse_instruction_list("Sure:\n- Use no commas\n-   \n* other\n - End with 'ok'") == \
        ["Use no commas", "End with 'ok'"]
    assert parse_back_translation('["A", "B"]') == ["A", "B"]
    assert parse_back_translation('Here:\n```json\n["A"]\n```') == ["A"]
    assert parse_back_translation("no list here") is None
    assert parse_back_translation("[1, 2]") is None


def test_a_base_models_continued_list_loses_its_unfinished_line() -> None:
    assert continued_instructions("- Use no commas.\n- End with 'ok'\n- Write in", cut=True) == \
        ["Use no commas", "End with 'ok'"]
    assert continued_instructions("- Use no commas\n", cut=False) == ["Use no commas"]
    assert continued_instructions("- Use no", cut=True) == []


def test_score_filter_reproduces_the_reference_sample_output() -> None:
    kept = [row for row in fixture_rows("query_rft_score.jsonl")
            if mean_score([parse_score(g) for g in row["gen"]]) > 8]
    expected = fixture_rows("query_score_filter.jsonl")
    assert [r["response"] for r in kept] == [r["response"] for r in expected]


def test_score_must_be_on_the_last_line() -> None:
    assert parse_score("analysis\nScore: 9") == 9
    assert parse_score("Score: 9\nmore text") is None
    assert parse_score("Score: ten") is None


def test_nli_labels() -> None:
    assert parse_nli_label("Contradiction.") == "contradiction"
    assert parse_nli_label("It is entailed, not a contradiction... entailment") == "entailment"
    assert parse_nli_label("I don't know") == "unknown"
