"""The CC metric on recorded judge replies: as campaign agents, and as `synthloom debate cc` on plain files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from synthloom import query
from synthloom.plugins.debate import prompts
from tests.core.helpers import run_cli
from tests.debate.cases import BAD, EXCLUDED, JUDGED, LENIENT

TOPIC = "Voting should be compulsory"


def write_inputs(directory: Path) -> tuple[Path, Path]:
    """Seven responses (one reference-format row among them) and the judge's recorded reply to each."""
    rows = [{"topic": TOPIC, "side": side, "response": f"Response {i}.", "argument": "", "instruction": "x"}
            for i, (side, _) in enumerate(JUDGED)]
    rows[0]["side"], rows[0]["raw_output"] = "Affirmative", "USER: x ASSISTANT: Response 0."
    responses = directory / "responses.json"
    responses.write_text(json.dumps(rows))
    recorded = directory / "judge.jsonl"
    asked = ["\n".join(m.content for m in prompts.judge(TOPIC, row["response"])) for row in rows]
    recorded.write_text("".join(json.dumps({"prompt": prompt, "response": f"{reply}\nExplanation."}) + "\n"
                                for prompt, (_, reply) in zip(asked, JUDGED)))
    return responses, recorded


def cc_of(report: dict) -> tuple[float, float, float]:
    return report["cc_p"], report["cc_n"], report["cc_all"]


@pytest.mark.parametrize("unparsed, lenient, expected", [("bad", False, BAD), ("exclude", False, EXCLUDED),
                                                         ("bad", True, LENIENT)])
def test_cc_agents_score_responses_from_a_file(tmp_path, campaign, run, unparsed, lenient, expected) -> None:
    responses, recorded = write_inputs(tmp_path)
    summary = run(campaign({
        "name": "cc", "models": {"judge": {"backend": "replay", "file": str(recorded)}},
        "agents": [{"name": "responses", "use": "debate.responses", "with": {"path": str(responses)}},
                   {"name": "judge", "use": "debate.judge", "with": {"lenient": lenient}},
                   {"name": "cc", "use": "debate.cc", "with": {"unparsed": unparsed}}]}))
    assert summary.outcome == "finished"
    _, [(cc_p, cc_n, cc_all, unparsed_count)] = query(summary.store, "SELECT cc_p, cc_n, cc_all, unparsed "
                                                                     "FROM debate_cc_report")
    assert (cc_p, cc_n, cc_all) == pytest.approx(expected) and unparsed_count == (0 if lenient else 2)
    _, judged = query(summary.store, "SELECT side, status, controlled FROM debate_judgement ORDER BY response")
    assert judged[0] == ("affirmative", "ok", True) and judged[4][1] == "out_of_range"


def test_the_judge_scores_the_statements_of_a_debate_too(campaign, run) -> None:
    summary = run(campaign({
        "name": "debate-and-judge",
        "models": {"default": {"backend": "replay", "rules": [
            {"match": "serial digit", "reply": "1. One.\n2. Two."},
            {"match": r"\[Topic\]", "reply": "100 0"}], "default": "Words."}},
        "agents": [{"name": "topics", "use": "debate.topics", "with": {"path": "topics.jsonl"}},
                   {"name": "debate", "use": "debate.debaters", "with": {"rounds": 1, "arg_num": 1}},
                   {"name": "judge", "use": "debate.judge"}, {"name": "cc", "use": "debate.cc"}]},
        ["Cars should be banned"]))
    _, judged = query(summary.store, "SELECT side, controlled FROM debate_judgement ORDER BY side")
    assert judged == [("affirmative", True), ("negative", False)]
    assert query(summary.store, "SELECT cc_p, cc_n, cc_all FROM debate_cc_report")[1] == [(1.0, 0.0, 0.5)]


def test_the_cc_command_writes_each_judgement_and_the_metric(tmp_path: Path) -> None:
    responses, recorded = write_inputs(tmp_path)
    out, report = tmp_path / "judged.jsonl", tmp_path / "report.json"
    args = ("debate", "cc", str(responses), "--model", "replay:judge", "-o", f"file={recorded}", "--out", str(out),
            "--report", str(report))
    result = run_cli(*args)
    assert result.returncode == 0, result.stderr
    assert cc_of(json.loads(result.stdout)) == pytest.approx(BAD) and json.loads(report.read_text())["unparsed"] == 2
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["status"] for r in rows] == ["ok", "ok", "unparsed", "ok", "out_of_range", "inconsistent", "unparsed"]
    assert rows[0]["raw_output"] == "USER: x ASSISTANT: Response 0." and rows[0]["controlled"] is True
    again = run_cli(*args, "--unparsed", "exclude", "--lenient")
    assert cc_of(json.loads(again.stdout)) == pytest.approx(LENIENT)
    _, calls = query(tmp_path / "judged.jsonl.calls.duckdb", "SELECT count(*), count(*) FILTER (WHERE cached) "
                                                             "FROM model_calls")
    assert calls == [(14, 7)]  # the rerun was answered from the store


def test_a_response_file_with_a_bad_side_names_the_row(tmp_path: Path) -> None:
    responses = tmp_path / "responses.jsonl"
    responses.write_text('{"topic": "T", "side": "affirmative", "response": "R"}\n'
                         '{"topic": "T", "side": "pro", "response": "R"}\n')
    result = run_cli("debate", "cc", str(responses), "--model", "replay:judge", "--out", str(tmp_path / "o.jsonl"))
    assert result.returncode == 2
    assert f"{responses}:2: side 'pro' is not affirmative or negative" in result.stderr


def test_the_test_set_command_writes_the_reference_test_prompts(tmp_path: Path) -> None:
    topics = Path(__file__).resolve().parents[2] / "examples" / "data" / "debate" / "test_topics.jsonl"
    out = tmp_path / "prompts.jsonl"
    result = run_cli("debate", "test-set", str(topics), "--out", str(out), "--arg-num", "2")
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 2 * 2 * 2 and [r["side"] for r in rows[:4]] == ["affirmative"] * 2 + ["negative"] * 2
    assert rows[2]["instruction"] == ('Suppose you are negative to the topic "Zoos should be phased out", please '
                                      'provide explanations and supporting evidence for this argument "Zoos run '
                                      'breeding programmes that save endangered species." ')
