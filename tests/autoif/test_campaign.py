"""Whole AutoIF campaigns on the replay backend and the real sandbox: every stage, every drop reason, exports."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tests.autoif.helpers import FIXTURES, run_spec, sql

pytestmark = pytest.mark.docker

LOWER = "def evaluate(response):\n    return response == response.lower()"
LOWER_HELPER = "def evaluate(response):\n    return not has_upper(response)\n\ndef has_upper(text):\n" \
               "    return any(c.isupper() for c in text)"
LOWER_ALL = "import requests\ndef evaluate(response):\n    return all(not c.isupper() for c in response)"
HANGS = "def evaluate(response):\n    while 'slow' in response:\n        pass\n    return response.endswith('done')"
CRASHES = "def evaluate(response):\n    raise RuntimeError('boom')"
PRINTS = "def evaluate(response):\n    print('x' * 10_000_000)\n    return True"


def fenced(func: str, cases: list[tuple[Any, Any]]) -> str:
    body = json.dumps({"func": func, "cases": [{"input": i, "output": o} for i, o in cases]})
    return f"```json\n{body}\n```"


def lowercase_replies() -> list[str]:
    return [fenced(LOWER, [("all lower", True), ("Not Lower", False), ("ok", True)]),
            fenced(LOWER_HELPER, [("abc", True), ("ABC", False), ("mixed Case", False)]),
            fenced(LOWER_ALL, [("x y z", True), ("Q", False), ("hello", "true"), ("zz", True)]),
            '```json\n{"func": "def evaluate(response):\\n    return True", "cases": [\n```',
            "I think the function is obvious.",
            fenced(LOWER, [("a b", True), ("C", False), ("d", True)])]


def done_replies() -> list[str]:
    cases = [(f"text {i} done", True) for i in range(9)] + [("slow", True)]  # no function gets any right
    return [fenced(HANGS.replace("done", "finished"), cases), fenced(CRASHES, cases), fenced(PRINTS, cases)]


def campaign(tmp_path: Path, **overrides: Any) -> dict[str, Any]:
    (tmp_path / "seeds.txt").write_text("Answer in all lowercase letters\n", encoding="utf-8")
    (tmp_path / "queries.txt").write_text("hi\nWhat is the capital of France, and why?\n"
                                          + "Explain photosynthesis " + "in great detail " * 12 + "please.\n",
                                          encoding="utf-8")
    rules = [
        {"match": "You are an expert for writing instructions",
         "reply": "- Answer in all lowercase letters\n- answer in ALL lowercase letters!\n"
                  "- End your response with the word 'done'"},
        {"match": "Here is the instruction: Answer in all lowercase", "reply": lowercase_replies()},
        {"match": "Here is the instruction: End your response", "reply": done_replies()},
        {"match": "converting the Python eval function",
         "reply": '["Answer in lowercase letters only.", "Use no capital letters.", "Write in lowercase."]'},
        {"match": "Premise:", "reply": "entailment"},
        {"match": "Please answer the query strictly",
         "reply": ["this is all lowercase.", "This Has Capitals.", "another lowercase answer here."]},
        {"match": "(?s)judging.*another lowercase answer", "reply": "Too short.\nScore: 5"},
        {"match": "judging whether a response", "reply": "Follows the instruction.\nScore: 9"},
    ]
    agents = [
        {"name": "writer", "use": "autoif.instruction_writer", "with": {"seeds": "seeds.txt", "per_round": 3}},
        {"name": "dedup", "use": "autoif.dedup_instructions"},
        {"name": "verifiers", "use": "autoif.verifier_writer", "with": {"samples": 6}},
        {"name": "cross", "use": "autoif.cross_validator", "with": {"timeout_s": 1.0}},
        {"name": "back", "use": "autoif.back_translator"},
        {"name": "pair", "use": "autoif.query_pairer", "with": {"queries": "queries.txt", "per_instruction": 2}},
        {"name": "respond", "use": "autoif.responder", "with": {"samples": 3, "max_prompt_chars": 250}},
        {"name": "reject", "use": "autoif.rejection_sampler"},
        {"name": "quality", "use": "autoif.quality_scorer"},
        {"name": "dpo", "use": "autoif.dpo_builder"},
    ]
    return {"name": "autoif-test", "seed": 1, "models": {"default": {"backend": "replay", "rules": rules}},
            "agents": agents, **overrides}


def test_full_pipeline_records_every_decision(tmp_path: Path) -> None:
    summary, store = run_spec(tmp_path, campaign(tmp_path))
    assert summary.status == "finished"
    assert all(a.failed == 0 for a in summary.agents.values()), summary
    counts = dict(sql(store, "SELECT kind, count(*) FROM messages GROUP BY kind"))
    assert counts["autoif.instruction_candidate"] == 4  # the seed and three written lines
    assert counts["autoif.instruction"] == 2
    assert counts["autoif.verified_instruction"] == 1
    assert counts["autoif.checked_instruction"] == 1
    assert counts["autoif.query"] == 2  # "hi" is too short for the pool
    assert counts["autoif.response_set"] == 1  # the long query does not fit max_prompt_chars
    assert counts["autoif.passed_response"] == 2
    assert counts["autoif.sft_example"] == 1
    assert counts["autoif.dpo_pair"] == 2
    drops = dict(((s, r), n) for s, r, n in sql(store, "SELECT stage, reason, count(*) FROM dropped "
                                                        "GROUP BY ALL"))
    assert drops[("dedup", "duplicate")] == 2
    assert drops[("cross_validation", "invalid_json")] == 1
    assert drops[("cross_validation", "no_json_fence")] == 1
    assert drops[("cross_validation", "network_line_removed")] == 1
    assert drops[("cross_validation", "case_disagreed")] >= 1  # the string "true" output among them
    assert drops[("cross_validation", "no_case_agreed")] == 1  # the hanging, crashing and printing functions
    assert drops[("responder", "prompt_too_long")] == 1
    assert drops[("rejection_sampling", "low_pass_rate")] == 1
    assert drops[("quality", "low_quality_score")] == 1
    verdicts = sql(store, "SELECT instruction, accuracy, kept, errors FROM autoif_function_verdict "
                          "ORDER BY instruction, accuracy DESC")
    lower = [v for v in verdicts if v[0].startswith("Answer")]
    assert [v[1:3] for v in lower] == [(1.0, True)] * 3
    done = [v for v in verdicts if v[0].startswith("End")]
    assert len(done) == 3 and all(not kept for _, _, kept, _ in done)
    assert all(errors >= 1 for *_, errors in done)  # timeouts, errors and output limits count as no result
    sandbox_statuses = {o["status"] for (outcomes,) in sql(store, "SELECT outcomes FROM sandbox_runs")
                        for o in json.loads(outcomes)}
    assert {"ok", "error", "timeout", "output_limit"} <= sandbox_statuses


def test_exports_are_trl_conversational(tmp_path: Path) -> None:
    from synthloom.exporters import export
    from synthloom.registry.contributions import build_registry

    _, store = run_spec(tmp_path, campaign(tmp_path))
    registry = build_registry()
    sft_path, n_sft = export(store, "autoif.sft_example", "trl-sft", tmp_path / "sft.jsonl", registry)
    dpo_path, n_dpo = export(store, "autoif.dpo_pair", "trl-dpo", tmp_path / "dpo.jsonl", registry)
    sft = [json.loads(line) for line in sft_path.read_text().splitlines()]
    dpo = [json.loads(line) for line in dpo_path.read_text().splitlines()]
    assert (n_sft, n_dpo) == (1, 2)
    assert sft[0]["messages"] == [
        {"role": "user", "content": "What is the capital of France, and why? Answer in all lowercase letters."},
        {"role": "assistant", "content": "this is all lowercase."}]
    assert {row["rejected"][0]["content"] for row in dpo} == {"This Has Capitals."}
    assert all(row["prompt"][0]["role"] == "user" for row in dpo)


def test_rerun_is_deterministic_and_resumes_without_duplicates(tmp_path: Path) -> None:
    spec = campaign(tmp_path)
    _, store = run_spec(tmp_path, spec)
    first = sql(store, "SELECT id FROM messages ORDER BY id")
    run_spec(tmp_path, spec)
    assert sql(store, "SELECT id FROM messages ORDER BY id") == first


def test_campaign_can_start_from_recorded_files(tmp_path: Path) -> None:
    agents = [
        {"name": "replies", "use": "autoif.load_verifier_replies", "with": {"path": str(FIXTURES / "eval_func_rft.jsonl")}},
        {"name": "cross", "use": "autoif.cross_validator"},
        {"name": "responses", "use": "autoif.load_response_sets", "with": {"path": str(FIXTURES / "query_rft.jsonl"),
                                                                          "limit": 3}},
        {"name": "reject", "use": "autoif.rejection_sampler"},
        {"name": "scored", "use": "autoif.load_scored_queries",
         "with": {"path": str(FIXTURES / "dpo_query_eval_score_results.jsonl")}},
        {"name": "dpo", "use": "autoif.dpo_builder", "inputs": ["scored"]},
    ]
    summary, store = run_spec(tmp_path, {"name": "imports", "agents": agents})
    assert summary.status == "finished"
    counts = dict(sql(store, "SELECT kind, count(*) FROM messages GROUP BY kind"))
    assert counts["autoif.verified_instruction"] == 4
    assert counts["autoif.scored_query"] == 3 + 20
    drops = dict(((s, r), n) for s, r, n in sql(store, "SELECT stage, reason, count(*) FROM dropped "
                                                        "GROUP BY ALL"))
    assert drops[("cross_validation", "invalid_json")] == 3
    assert drops[("cross_validation", "no_accurate_function")] == 1
    assert drops[("rejection_sampling", "low_pass_rate")] == 3 * 16
    kept = sql(store, "SELECT count(*) FROM autoif_function_verdict WHERE kept")[0][0]
    assert kept == 2 + 3 + 5 + 7


def test_bad_seed_files_are_recorded_and_the_campaign_goes_on(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_text("\n\n", encoding="utf-8")
    (tmp_path / "mixed.txt").write_bytes(b"Use no commas\n\xff\xfe broken\nEnd with 'ok'\n")
    rules = [{"match": "writing instructions", "reply": "- Use only digits"}]
    agents = [{"name": "empty", "use": "autoif.instruction_writer", "with": {"seeds": "empty.txt"}},
              {"name": "mixed", "use": "autoif.instruction_writer", "with": {"seeds": "mixed.txt"}},
              {"name": "dedup", "use": "autoif.dedup_instructions"}]
    summary, store = run_spec(tmp_path, {"name": "seeds", "agents": agents,
                                             "models": {"m": {"backend": "replay", "rules": rules}}})
    assert summary.status == "finished"
    drops = sql(store, "SELECT agent, reason FROM dropped ORDER BY agent")
    assert drops == [("empty", "no_instructions"), ("mixed", "not_utf8")]
    texts = sorted(t for (t,) in sql(store, "SELECT text FROM autoif_instruction"))
    assert texts == ["End with 'ok'", "Use no commas", "Use only digits"]
