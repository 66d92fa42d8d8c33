"""The model stages of `synthloom autoif` on AutoIF's files: nli-filter, pair-queries, generate, and the chain
from verification to the score filter. The models are real (a tiny Llama through the transformers backend) or the
replay backend where a test needs to know the replies."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from tests.autoif.helpers import FIXTURES, fixture_rows, sql

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
def test_generate_samples_a_real_model_and_a_rerun_answers_from_the_store(tmp_path: Path) -> None:
    from tests.selection.tiny import build_tiny_model

    model = build_tiny_model(tmp_path / "tiny")
    source = tmp_path / "query_rft.jsonl"
    source.write_text("".join(json.dumps({k: v for k, v in r.items() if k != "gpt-answer"}) + "\n"
                              for r in fixture_rows("query_rft.jsonl")[:5]), encoding="utf-8")
    out = tmp_path / "answered.jsonl"
    args = ("generate", "--in", str(source), "--out", str(out), "--model", str(model), "-o", "dtype=float32",
            "--samples", "2", "--max-tokens", "3", "--chunk", "2")
    assert "5 rows, 0 failed, 0 answered from earlier runs" in invoke(*args)
    rows = read(out)
    assert all(len(r["gpt-answer"]) == 2 and all(isinstance(t, str) for t in r["gpt-answer"]) for r in rows)
    assert [r["prompt"] for r in rows] == [json.loads(line)["prompt"] for line in source.read_text().splitlines()]
    assert "5 rows, 0 failed, 5 answered from earlier runs" in invoke(*args)
    assert read(out) == rows
    assert sql(tmp_path / "answered.jsonl.calls.duckdb", "SELECT count(*) FROM model_calls WHERE NOT cached") == [(5,)]


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


def test_a_killed_generate_asks_the_model_only_for_unanswered_rows_when_rerun(tmp_path: Path,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from synthloom.model_client import ModelClient

    source, out, store = tmp_path / "prompts.jsonl", tmp_path / "out.jsonl", tmp_path / "calls.duckdb"
    source.write_text("".join(json.dumps({"prompt": f"Say {i}."}) + "\n" for i in range(5)), encoding="utf-8")
    args = ("generate", "--in", str(source), "--out", str(out), "--store", str(store), "--chunk", "2",
            "--model", "replay:m", "-o", "rules=[{match: 'Say (\\d)', reply: '\\1!'}]")
    answer = ModelClient.generate
    batches = []

    async def killed_at_the_second_batch(self: ModelClient, requests: list) -> list:
        batches.append(len(requests))
        if len(batches) == 2:
            raise KeyboardInterrupt
        return await answer(self, requests)

    monkeypatch.setattr(ModelClient, "generate", killed_at_the_second_batch)
    killed = CliRunner().invoke(autoif, list(args))
    assert killed.exit_code != 0 and not out.exists()  # the output is written whole or not at all
    monkeypatch.undo()
    assert "5 rows, 0 failed, 2 answered from earlier runs" in invoke(*args)
    assert [r["gpt-answer"] for r in read(out)] == [[f"{i}!"] for i in range(5)]
    fresh = sql(store, "SELECT count(*) FROM model_calls WHERE NOT cached")[0][0]
    assert fresh == 5  # two before the kill, three after: no row was asked twice
