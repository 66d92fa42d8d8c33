"""The model stages of `synthloom autoif` on AutoIF's files: nli-filter, pair-queries, generate, and the chain
from verification to the score filter. The models are real (a tiny Llama through the transformers backend) or the
replay backend where a test needs to know the replies."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import FIXTURES, fixture_rows

from synthloom.errors import ConfigError
from synthloom.plugins.autoif.cli import autoif
from synthloom.plugins.autoif.formats import response_set

QUERIES = Path(__file__).resolve().parents[2] / "examples" / "data" / "autoif_queries.jsonl"
NLI_RULES = ('rules=[{match: "Premise: Use only palindromes", reply: contradiction}, '
             '{match: "Premise:", reply: Entailment.}]')


def invoke(*args: str) -> str:
    result = CliRunner().invoke(autoif, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def read(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_nli_filter_drops_instructions_a_back_translation_contradicts(tmp_path: Path) -> None:
    out = tmp_path / "nli.jsonl"
    output = invoke("nli-filter", "--in", str(FIXTURES / "back_trans.jsonl"), "--out", str(out),
                    "--model", "replay:judge", "-o", NLI_RULES)
    rows = read(out)
    assert "4 of 5" in output and "dropped (contradiction): Use only palindromes" in output
    assert len(rows) == 4 and all(r["nli_labels"] == ["entailment"] * 3 for r in rows)
    assert set(rows[0]) == {"instruction", "eval_func", "cases", "back_instruction", "nli_labels"}


def test_nli_filter_classifier_needs_a_model_directory(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="needs --nli-model"):
        invoke("nli-filter", "--in", str(FIXTURES / "back_trans.jsonl"), "--out", str(tmp_path / "x.jsonl"),
               "--judge", "classifier")


def test_pair_queries_writes_prompts_that_verify_reads_back(tmp_path: Path) -> None:
    out, again = tmp_path / "query_rft.jsonl", tmp_path / "again.jsonl"
    invoke("pair-queries", "--in", str(FIXTURES / "back_trans.jsonl"), "--out", str(out), "--queries", str(QUERIES),
           "--per-instruction", "3", "--seed", "5")
    invoke("pair-queries", "--in", str(FIXTURES / "back_trans.jsonl"), "--out", str(again),
           "--queries", str(QUERIES), "--per-instruction", "3", "--seed", "5")
    rows = read(out)
    assert len(rows) == 15 and out.read_bytes() == again.read_bytes()
    assert set(rows[0]) == {"prompt", "instruction", "cases", "eval_func"}
    pool = {json.loads(line)["query"] for line in QUERIES.read_text().splitlines()}
    for row in rows:
        parsed = response_set({**row, "gpt-answer": []})
        assert parsed.instruction == row["instruction"] and parsed.query in pool
        assert len(parsed.eval_funcs) == len(row["eval_func"])
    with pytest.raises(ConfigError, match="no query"):
        invoke("pair-queries", "--in", str(FIXTURES / "back_trans.jsonl"), "--out", str(out),
               "--queries", str(QUERIES), "--min-chars", "5000", "--max-chars", "6000")


@pytest.mark.model
def test_generate_samples_a_real_model_and_resumes_after_saved_rows(tmp_path: Path) -> None:
    from tests.selection.tiny import build_tiny_model

    model = build_tiny_model(tmp_path / "tiny")
    source = tmp_path / "query_rft.jsonl"
    source.write_text("".join(json.dumps({k: v for k, v in r.items() if k != "gpt-answer"}) + "\n"
                              for r in fixture_rows("query_rft.jsonl")[:5]), encoding="utf-8")
    out = tmp_path / "answered.jsonl"
    first = dict(json.loads(source.read_text().splitlines()[0]), **{"gpt-answer": ["saved before the crash"]})
    (tmp_path / "answered.jsonl.partial").write_text(json.dumps(first) + "\n" + '{"torn', encoding="utf-8")
    output = invoke("generate", "--in", str(source), "--out", str(out), "--model", str(model), "-o", "dtype=float32",
                    "--samples", "2", "--max-tokens", "3", "--chunk", "2")
    rows = read(out)
    assert "resuming after 1 saved row" in output and "5 rows, 0 failed" in output
    assert rows[0]["gpt-answer"] == ["saved before the crash"]
    assert all(len(r["gpt-answer"]) == 2 and all(isinstance(t, str) for t in r["gpt-answer"]) for r in rows[1:])
    assert [r["prompt"] for r in rows] == [json.loads(line)["prompt"] for line in source.read_text().splitlines()]
    assert not (tmp_path / "answered.jsonl.partial").exists()


@pytest.mark.docker
def test_verify_score_prompts_then_judge_replies_then_score_filter(tmp_path: Path) -> None:
    source = fixture_rows("query_rft.jsonl")[:2]
    source[0]["gpt-answer"].append("education")  # passes one of the two functions: pass rate 0.5
    data = tmp_path / "query_rft.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in source), encoding="utf-8")
    prompts, judged, kept = tmp_path / "score_prompts.jsonl", tmp_path / "scored.jsonl", tmp_path / "kept.jsonl"
    invoke("verify", "--in", str(data), "--out", str(prompts), "--format", "score-prompts")
    rows = read(prompts)
    assert [r["response"] for r in rows] == ["education"]
    assert rows[0]["prompt"].startswith("You are an expert that is good at judging")
    invoke("generate", "--in", str(prompts), "--out", str(judged), "--field", "gen", "--samples", "3",
           "--model", "replay:judge", "-o", 'rules=[{match: "education", reply: "Fine.\\n\\nScore: 9"}]')
    assert read(judged)[0]["gen"] == ["Fine.\n\nScore: 9"] * 3
    assert "1 of 1 samples score above 8.0" in invoke("score-filter", "--in", str(judged), "--out", str(kept))


def test_generate_refuses_to_resume_from_another_inputs_partial_output(tmp_path: Path) -> None:
    source = tmp_path / "prompts.jsonl"
    source.write_text(json.dumps({"prompt": "Say hi."}) + "\n", encoding="utf-8")
    partial = tmp_path / "out.jsonl.partial"
    partial.write_text(json.dumps({"prompt": "Something else.", "gpt-answer": ["x"]}) + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="line 1 was not generated from this input's row 1"):
        invoke("generate", "--in", str(source), "--out", str(tmp_path / "out.jsonl"), "--model", "replay:m")
    assert partial.read_text(encoding="utf-8").startswith('{"prompt": "Something else."')  # nothing lost
