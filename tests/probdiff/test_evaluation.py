"""ProbDiff end to end: on replay (every number by hand), in a campaign, on the command line, and on a real tiny
model (the score equals a teacher-forced forward pass after the prompt the model answered)."""

from __future__ import annotations

import asyncio
import json
import math
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

import synthloom
from synthloom import ConfigError
from synthloom.cli.main import cli
from synthloom.model_session import ModelSession
from synthloom.plugins.probdiff.evaluation import Settings, evaluate
from synthloom.store import query
from tests.probdiff.replay_model import logprob

REPLAY = {"backend": "replay", "function": "tests.probdiff.replay_model:reply",
          "score_function": "tests.probdiff.replay_model:score"}


def replay_session(tmp_path: Path, **extra: Any) -> ModelSession:
    spec = synthloom.ModelSpec(**{**REPLAY, **extra})
    return ModelSession(spec, tmp_path / "calls.duckdb", command="test")


def mean(text: str) -> float:
    words = text.split()
    return sum(logprob(w) for w in words) / len(words)


def test_replay_values_by_hand(tmp_path: Path) -> None:
    with replay_session(tmp_path) as client:
        found = asyncio.run(evaluate(client, ["cats", "refuse", "blank"], [1, 2, 3],
                                     Settings(prefix="llama2", iterations=2)))
    cats, refused, blank = found
    assert cats["answer"] == "answer to cats"
    assert cats["revisions"] == ["better answer to cats", "better better answer to cats"]
    assert cats["answer_logprob"] == pytest.approx(-0.1)
    assert cats["revision_logprobs"] == pytest.approx([mean("better answer to cats"),
                                                       mean("better better answer to cats")])
    assert cats["gaps"] == pytest.approx([-0.25, -0.4])
    assert cats["probdiff"] == pytest.approx(-0.325) and cats["label"] == "bad" and cats["status"] == "ok"
    assert refused["status"] == "refused" and refused["probdiff"] == pytest.approx(0.0)
    assert blank["status"] == "empty_revision" and blank["revision_logprobs"][0] is None
    assert blank["gaps"][0] == -1.0  # NaN becomes -1, as the reference


def test_a_model_that_cannot_score_is_refused_before_any_answer(tmp_path: Path) -> None:
    with replay_session(tmp_path, score_function=None) as client:
        with pytest.raises(ConfigError, match="cannot score"):
            asyncio.run(evaluate(client, ["q"], [0], Settings(prefix="llama2")))
    _, calls = query(tmp_path / "calls.duckdb", "SELECT count(*) FROM model_calls")
    assert calls[0][0] == 0


def test_auto_prefix_needs_a_local_tokenizer(tmp_path: Path) -> None:
    with replay_session(tmp_path) as client:
        with pytest.raises(ConfigError, match="no\\s+local tokenizer"):
            asyncio.run(evaluate(client, ["q"], [0], Settings()))


def test_campaign_ranks_two_models_and_drops_incomplete_queries(tmp_path: Path) -> None:
    data = tmp_path / "queries.jsonl"
    data.write_text("".join(json.dumps({"instruction": q}) + "\n" for q in ["cats", "dogs", "refuse"]))
    campaign = {
        "name": "probdiff-test",
        "models": {"a": REPLAY, "b": {**REPLAY, "default": "unused"}},
        "agents": [
            {"name": "load", "use": "basic.load_jsonl", "with": {"path": str(data)}},
            {"name": "eval_a", "use": "probdiff.evaluate", "model": "a", "inputs": ["load"],
             "with": {"prefix": "llama2"}},
            {"name": "eval_b", "use": "probdiff.evaluate", "model": "b", "inputs": ["load"],
             "with": {"prefix": "llama2", "iterations": 2}},
            {"name": "rank", "use": "probdiff.compare"},
        ],
    }
    path = tmp_path / "campaign.yaml"
    path.write_text(yaml.safe_dump(campaign))
    summary = synthloom.run_campaign(path, store=tmp_path / "store.duckdb")
    assert summary.outcome == "finished"
    store = summary.store
    _, rows = query(store, "SELECT query, ranked, best FROM probdiff_comparison ORDER BY query")
    assert [r[0] for r in rows] == ["cats", "dogs", "refuse"]
    assert json.loads(rows[0][1]) == ["a", "b"] and json.loads(rows[0][2]) == ["a"]  # -0.25 beats -0.325
    _, ranking = query(store, "SELECT queries, rows FROM probdiff_ranking")
    standings = json.loads(ranking[0][1])
    assert ranking[0][0] == 3 and [r["model"] for r in standings] == ["a", "b"]
    assert standings[0]["wins"] == 2 and standings[0]["ties"] == 1


def test_compare_command_evaluates_each_model_and_reads_files(tmp_path: Path) -> None:
    data = tmp_path / "q.jsonl"
    data.write_text("".join(json.dumps({"prompt": q}) + "\n" for q in ["cats", "dogs"]))
    options = ["-o", "function=tests.probdiff.replay_model:reply",
               "-o", "score_function=tests.probdiff.replay_model:score"]
    first = tmp_path / "a.jsonl"
    result = CliRunner().invoke(cli, ["probdiff", "evaluate", "--data", str(data), "--field", "prompt", "--out",
                                      str(first), "--model", "replay:a", "--prefix", "tulu", *options],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert [json.loads(line)["model"] for line in first.read_text().splitlines()] == ["replay:a", "replay:a"]
    out = tmp_path / "ranking.json"
    result = CliRunner().invoke(cli, ["probdiff", "compare", str(first), "--data", str(data), "--field", "prompt",
                                      "--model", "replay:b", "--iterations", "3", "--prefix", "tulu", *options,
                                      "--out", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    table = json.loads(out.read_text())
    assert table["queries"] == 2 and [m["model"] for m in table["models"]] == ["replay:a", "replay:b"]
    assert table["per_query"][0]["best"] == ["replay:a"]
    assert "rank" in result.output and "replay:b" in result.output


@pytest.mark.model
def test_tiny_model_score_equals_a_teacher_forced_forward_pass(tmp_path: Path, tiny_dir: Path) -> None:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    spec = synthloom.ModelSpec(backend="transformers", model=str(tiny_dir), dtype="float32", threads=1)
    queries = ["Give three tips for staying healthy.", "What is the capital of France?"]
    with ModelSession(spec, tmp_path / "calls.duckdb", command="test") as client:
        settings = Settings(answer=synthloom.SamplingConfig(temperature=0.7, max_tokens=12),
                            revise=synthloom.SamplingConfig(temperature=0.1, max_tokens=12))
        found = asyncio.run(evaluate(client, queries, [0, 1], settings))
    tokenizer = AutoTokenizer.from_pretrained(tiny_dir)
    model = AutoModelForCausalLM.from_pretrained(tiny_dir, dtype=torch.float32).eval()
    for query_text, record in zip(queries, found):
        prefix = f"User: {query_text}\nAssistant:"  # the plain template the backend generated from
        for text, value in [(record["answer"], record["answer_logprob"]),
                            (record["revisions"][0], record["revision_logprobs"][0])]:
            if not text:
                assert value is None
                continue
            start = len(tokenizer(prefix)["input_ids"])
            ids = tokenizer(prefix + text, return_tensors="pt")["input_ids"]
            if ids[0, :start].tolist() != tokenizer(prefix)["input_ids"]:
                continue  # the boundary merged into one token: the reference's index would be off (its bug B2)
            with torch.no_grad():
                logits = model(ids).logits.log_softmax(-1)[0]
            expected = logits[start - 1:-1].gather(-1, ids[0, start:, None]).mean().item()
            assert value == pytest.approx(expected, rel=1e-4, abs=1e-5)
        assert math.isfinite(record["probdiff"]) and record["label"] in ("good", "bad")
