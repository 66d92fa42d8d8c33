"""CLEAR on replay (every confidence worked out from the rules of `replay_model`), with a real NLI classifier
built from a config, and the whole loop (filter, train, correct, retrain) on a tiny real model."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

import synthloom
from synthloom.cli.main import cli
from synthloom.model_session import ModelSession
from synthloom.plugins.clear.confidence import Settings, bsdetector
from synthloom.store import query

REPLAY = {"backend": "replay", "function": "tests.clear.replay_model:reply"}
DATA = [{"prompt": "2+2?", "response": "4"}, {"prompt": "Capital of France?", "response": "Berlin"},
        {"prompt": "Colour of the sky?", "response": "blue"}, {"prompt": "Mystery?", "response": "42"}]


def write_data(tmp_path: Path) -> Path:
    path = tmp_path / "data.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in DATA))
    return path


def test_confidence_by_hand_on_replay(tmp_path: Path) -> None:
    spec = synthloom.ModelSpec(**REPLAY)
    with ModelSession(spec, tmp_path / "calls.duckdb", command="test") as client:
        found = asyncio.run(bsdetector(client, [r["prompt"] for r in DATA], [r["response"] for r in DATA],
                                       [0, 1, 2, 3], Settings()))
    right, wrong, _, mystery = found
    # Right: five matching samples (O = 1), reflections A, A (S = 1): C = 1.
    assert right.consistency.emr == 1.0 and right.certainty == 1.0 and right.confidence == pytest.approx(1.0)
    # Wrong: five samples "Paris" vs "Berlin", each a contradiction both ways (O = 0), reflections B, B: C = 0.
    assert wrong.consistency.ncp == 0.0 and wrong.letters == ["B", "B"] and wrong.confidence == pytest.approx(0.0)
    # Mystery: five matching samples (O = 1); no letter in either reflection: S = 0.5, counted; C = 0.85.
    assert mystery.no_letter == 2 and mystery.certainty == 0.5 and mystery.confidence == pytest.approx(0.85)


@pytest.mark.model
def test_classifier_nli_gives_softmax_contradiction_probabilities(tmp_path: Path, tiny_dir: Path) -> None:
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForSequenceClassification

    from synthloom.plugins.autoif.nli import ClassifierNLI
    from synthloom.plugins.clear.nli import classifier_probabilities

    tokenizer = AutoTokenizer.from_pretrained(tiny_dir)
    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=16, intermediate_size=32, num_hidden_layers=1,
                         num_attention_heads=2, num_key_value_heads=1, pad_token_id=0, num_labels=3,
                         id2label={0: "ENTAILMENT", 1: "NEUTRAL", 2: "CONTRADICTION"})
    directory = tmp_path / "nli"
    LlamaForSequenceClassification(config).save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    classifier = ClassifierNLI.load(directory)
    pairs = [("Paris", "Berlin"), ("blue", "the sky is blue")]
    found = classifier_probabilities(classifier, pairs)
    for (premise, hypothesis), value in zip(pairs, found):
        encoded = tokenizer(premise, hypothesis, return_tensors="pt")
        with torch.no_grad():
            expected = classifier.model(**encoded).logits.softmax(-1)[0, 2].item()
        assert value == pytest.approx(expected, rel=1e-4) and 0.0 < value < 1.0


def test_commands_confidence_filter_correct(tmp_path: Path) -> None:
    scored, decided, curated = tmp_path / "scored.jsonl", tmp_path / "decided.jsonl", tmp_path / "curated.jsonl"
    options = ["--model", "replay:x", "-o", "function=tests.clear.replay_model:reply"]
    invoke = CliRunner().invoke
    result = invoke(cli, ["clear", "confidence", "--data", str(write_data(tmp_path)), "--out", str(scored),
                          *options], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in scored.read_text().splitlines()]
    assert [round(r["confidence"], 4) for r in rows] == [1.0, 0.0, 1.0, 0.85]
    sft = tmp_path / "sft.jsonl"
    result = invoke(cli, ["clear", "filter", "--data", str(scored), "--out", str(decided), "--sft", str(sft)])
    assert result.exit_code == 0 and "kept 2 of 4" in result.output
    decisions = [json.loads(line) for line in decided.read_text().splitlines()]
    assert [d["kept"] for d in decisions] == [True, False, True, False]  # median 0.925
    assert len(sft.read_text().splitlines()) == 2
    for row, candidate in zip(decisions, ["four", "Paris", "azure", "?"]):
        row["candidate"] = candidate
    decided.write_text("".join(json.dumps(r) + "\n" for r in decisions))
    result = invoke(cli, ["clear", "correct", "--data", str(decided), "--out", str(curated), *options],
                    catch_exceptions=False)
    assert result.exit_code == 0, result.output
    final = [json.loads(line) for line in curated.read_text().splitlines()]
    # The judge says Yes (B better) only where A is wrong and stands by it (C = 1 > 0.8): France is corrected;
    # the mystery row, filtered (0.85 is not above the median) and judged "No", is dropped.
    assert [(r["prompt"], r["action"], r["response"]) for r in final] == [
        ("2+2?", "kept", "4"), ("Capital of France?", "corrected", "Paris"), ("Colour of the sky?", "kept", "blue")]
    assert final[1]["messages"][1]["content"] == "Paris"


@pytest.mark.model
def test_the_clear_loop_in_one_campaign(tmp_path: Path, tiny_dir: Path) -> None:
    tiny: dict[str, Any] = {"backend": "transformers", "model": str(tiny_dir), "dtype": "float32", "threads": 1}
    train = {"max_steps": 1, "batch_size": 2, "max_length": 64}
    campaign = {
        "name": "clear-test", "seed": 1,
        "models": {"base": REPLAY, "student": tiny, "finetuned": {**tiny, "model": str(tmp_path / "m1")}},
        "agents": [
            {"name": "load", "use": "clear.load", "with": {"path": str(write_data(tmp_path))}},
            {"name": "confidence", "use": "clear.confidence", "model": "base"},
            {"name": "filter", "use": "clear.filter"},
            {"name": "train", "use": "clear.train", "model": "student", "inputs": ["filter"],
             "with": {"out": str(tmp_path / "m1"), **train}},
            {"name": "correct", "use": "clear.correct", "model": "base", "inputs": ["filter"], "after": ["train"],
             "with": {"candidate_model": "finetuned", "candidate_max_tokens": 8}},
            {"name": "retrain", "use": "clear.train", "model": "student", "inputs": ["correct"],
             "with": {"out": str(tmp_path / "m2"), **train}},
        ],
        "export": [{"kind": "clear.curated", "format": "trl-sft", "path": str(tmp_path / "curated.jsonl")}],
    }
    path = tmp_path / "campaign.yaml"
    path.write_text(yaml.safe_dump(campaign))
    summary = synthloom.run_campaign(path, store=tmp_path / "store.duckdb")
    assert summary.outcome == "finished", summary
    store = summary.store
    _, trained = query(store, "SELECT agent, samples FROM selection_trained_model ORDER BY agent")
    assert trained == [("retrain", 3), ("train", 2)]
    _, actions = query(store, "SELECT action, count(*) FROM clear_curated GROUP BY ALL ORDER BY 1")
    _, dropped = query(store, "SELECT reason, detail FROM dropped WHERE stage = 'correct'")
    assert dict(actions) == {"corrected": 1, "kept": 2}
    assert len(dropped) == 1 and dropped[0][0] == "filtered" and "not above the median" in dropped[0][1]
    assert (tmp_path / "m2" / "config.json").is_file() and summary.exports[0].rows == 3
