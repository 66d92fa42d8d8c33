"""`synthloom autoif STAGE` on the reference's sample files, with verifiers run in the Docker sandbox."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.autoif.helpers import FIXTURES, fixture_rows

from synthloom.plugins.autoif.cli import autoif

pytestmark = pytest.mark.docker


def invoke(*args: str) -> str:
    result = CliRunner().invoke(autoif, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_cross_validate_writes_the_reference_format(tmp_path: Path) -> None:
    out = tmp_path / "cross_validation.jsonl"
    output = invoke("cross-validate", "--in", str(FIXTURES / "eval_func_rft.jsonl"), "--out", str(out))
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert "4 of 5" in output and "no_accurate_function" in output
    assert [len(r["eval_func"]) for r in rows] == [2, 3, 5, 7]
    for row in rows:
        assert set(row) == {"instruction", "eval_func", "cases"}
        assert all(acc >= 0.8 for _, acc in row["eval_func"])
        assert len(row["cases"]) >= 10
        # cases written with string outputs never agree with a boolean result, as in the reference
        assert all(isinstance(output_, bool) for _, output_ in row["cases"])


def test_cross_validate_paper_variant_with_coerced_strings_differs(tmp_path: Path) -> None:
    out = tmp_path / "cv.jsonl"
    invoke("cross-validate", "--in", str(FIXTURES / "eval_func_rft.jsonl"), "--out", str(out),
           "--variant", "paper", "--string-booleans", "coerce")
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert any(r["instruction"].startswith("Write your answer as a series of rhetorical") for r in rows)


def test_verify_gives_each_response_a_pass_rate(tmp_path: Path) -> None:
    source = fixture_rows("query_rft.jsonl")
    # a known response for the first row: its first function (4 syllables per word) passes, the second
    # (4 vowels per word) fails, so the pass rate is 0.5; the sample responses themselves all fail
    source[0]["gpt-answer"].append("education")
    data, out = tmp_path / "query_rft.jsonl", tmp_path / "verified.jsonl"
    data.write_text("\n".join(json.dumps(r) for r in source), encoding="utf-8")
    output = invoke("verify", "--in", str(data), "--out", str(out))
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == sum(len(r["gpt-answer"]) for r in source)
    assert "1 of 321 responses pass" in output
    assert [(r["response"], r["pass_rate"], r["kept"]) for r in rows if r["kept"]] == [("education", 0.5, True)]
    assert rows[0]["query"].startswith("What are the advantages") and set(rows[0]) == \
        {"instruction", "query", "response", "pass_rate", "kept"}


def test_helpers_defined_next_to_evaluate_work_in_the_sandbox() -> None:
    from synthloom.sandbox import DockerSandbox

    func = fixture_rows("query_rft.jsonl")[0]["eval_func"][0][0]
    assert "def count_syllables" in func.split("def evaluate")[1]  # the helper comes after evaluate
    with DockerSandbox(pool_size=1) as sandbox:
        outcomes = sandbox.evaluate(func, ["beautiful information", "education"])
    assert [(o.status, o.value) for o in outcomes] == [("ok", False), ("ok", True)]


def test_verify_dpo_format_feeds_dpo_pairs(tmp_path: Path) -> None:
    scored, pairs = tmp_path / "scored.jsonl", tmp_path / "pairs.jsonl"
    invoke("verify", "--in", str(FIXTURES / "dpo_query_w_funcs.jsonl"), "--out", str(scored), "--format", "dpo")
    rows = [json.loads(line) for line in scored.read_text().splitlines()]
    assert all(set(r) == {"query", "response"} for r in rows)
    invoke("dpo-pairs", "--in", str(scored), "--out", str(pairs))
    for pair in (json.loads(line) for line in pairs.read_text().splitlines()):
        assert set(pair) == {"instruction", "positive", "negative"}


def test_score_filter_and_sft_commands(tmp_path: Path) -> None:
    kept, sft = tmp_path / "kept.jsonl", tmp_path / "sft.jsonl"
    assert "16 of 20" in invoke("score-filter", "--in", str(FIXTURES / "query_rft_score.jsonl"), "--out", str(kept))
    invoke("sft", "--in", str(kept), "--out", str(sft))
    rows = [json.loads(line) for line in sft.read_text().splitlines()]
    assert len(rows) == 16 and rows[0]["messages"][0]["role"] == "user"
