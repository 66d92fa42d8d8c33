"""The kbert agents in campaigns on the replay backend and the tiny BERT: pairs made from a model's replies, a pair
model trained on them, semantic dedup after an instruction source, the consistency judge after AutoIF's
back-translator, and a missing WordNet stopping a campaign before it runs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from synthloom import ConfigError
from tests.autoif.helpers import FIXTURES, run_spec, sql

pytestmark = pytest.mark.model

SEEDS = ["Answer with emoji only", "Write the response backward", "Translate your answer into emojis",
         "Use no words containing the letter e"]
RULES = [
    {"match": "(?s)Rewrite the following.*backward", "reply": "Write the response backward."},   # unchanged
    {"match": "Rewrite the following", "reply": "Rewritten instruction: \"Reply using emojis alone.\""},
    {"match": "Change the following", "reply": "Use at least ten words containing the letter e"},
]


@pytest.fixture(scope="module")
def trained(tiny_bert: Path, tmp_path_factory: pytest.TempPathFactory, wordnet: object) -> Path:
    from synthloom.plugins.kbert.pair_model import PairModel, PairSettings
    from synthloom.plugins.kbert.training import fine_tune

    model = PairModel.create(tiny_bert, PairSettings(prior_mode="fast", max_length=32))
    fine_tune(model, [("the dog sat", "a dog sat", 1.0), ("the dog sat", "the cat ran", 0.0)], epochs=1)
    return model.save(tmp_path_factory.mktemp("pair-model") / "model")


def test_pairs_training_and_dedup_in_one_campaign(tmp_path: Path, tiny_bert: Path, wordnet: object) -> None:
    (tmp_path / "seeds.txt").write_text("\n".join(SEEDS) + "\n", encoding="utf-8")
    summary, store = run_spec(tmp_path, {
        "name": "kbert-test", "models": {"default": {"backend": "replay", "rules": RULES}},
        "agents": [
            {"name": "seeds", "use": "autoif.load_instructions", "with": {"path": "seeds.txt"}},
            {"name": "pairs", "use": "kbert.pair_writer", "inputs": ["seeds"]},
            {"name": "train", "use": "kbert.train",
             "with": {"out": "model", "base": str(tiny_bert), "prior_mode": "fast", "epochs": 1, "batch_size": 4,
                      "max_length": 32}},
            {"name": "dedup", "use": "kbert.dedup_instructions", "inputs": ["seeds"], "after": ["train"],
             "with": {"model": "model", "threshold": 0.0, "min_cosine": 0.45, "neighbours": 1}},
        ]})
    assert summary.outcome == "finished", summary
    pairs = sql(store, "SELECT text_a, text_b, label, source FROM kbert_pair ORDER BY source, text_a")
    assert ("Answer with emoji only", "Use at least ten words containing the letter e", 0, "edit") in pairs
    assert ("Answer with emoji only", "Reply using emojis alone.", 1, "paraphrase") in pairs
    assert len(pairs) == 7  # 4 edits, 3 paraphrases: the backward one came back unchanged
    assert sql(store, "SELECT reason, subject FROM dropped WHERE stage = 'pair_writer'") == [
        ("unchanged", "Write the response backward.")]
    (path, steps, use_prior, n), = sql(store, "SELECT path, steps, use_prior, pairs FROM kbert_trained_model")
    assert Path(path) == tmp_path / "model" and (tmp_path / "model" / "config.json").is_file()
    assert use_prior and n == 7 + 4 and steps == 3  # 4 easy negatives, one per anchor
    dropped = sql(store, "SELECT subject, detail FROM dropped WHERE reason = 'semantic_duplicate'")
    assert ("Translate your answer into emojis",) in [(subject,) for subject, _ in dropped]
    detail = dict(dropped)["Translate your answer into emojis"]
    assert "'Answer with emoji only'" in detail and "pair model" in detail and "cosine" in detail
    kept = {text for text, in sql(store, "SELECT text FROM autoif_instruction WHERE agent = 'dedup'")}
    assert "Answer with emoji only" in kept and len(kept) + len(dropped) == 4


def test_cosine_dedup_of_prompts(tmp_path: Path) -> None:
    rows = [{"instruction": text} for text in ["Answer with emoji only", "", "Translate your answer into emojis",
                                                "Write the response backward"]]
    (tmp_path / "prompts.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    summary, store = run_spec(tmp_path, {
        "name": "kbert-cosine", "models": {"default": {"backend": "replay"}},
        "agents": [{"name": "load", "use": "basic.load_jsonl", "with": {"path": "prompts.jsonl"}},
                   {"name": "dedup", "use": "kbert.dedup_prompts",
                    "with": {"decide": "cosine", "cosine_threshold": 0.5}}]})
    assert summary.outcome == "finished"
    dropped = sql(store, "SELECT reason, subject FROM dropped ORDER BY reason")
    assert dropped == [("empty_text", ""), ("semantic_duplicate", "Translate your answer into emojis")]
    assert [t for t, in sql(store, "SELECT instruction FROM basic_prompt WHERE agent = 'dedup' ORDER BY 1")] == [
        "Answer with emoji only", "Write the response backward"]


def back_translation(judge: dict[str, Any]) -> dict[str, Any]:
    back = json.dumps(["Answer without any letter E.", "Use words without the letter E.", "No letter E."])
    return {"name": "kbert-consistency", "models": {"default": {"backend": "replay", "rules": [
        {"match": "converting the Python eval function", "reply": back}]}},
        "agents": [{"name": "load", "use": "autoif.load_verified_instructions",
                    "with": {"path": str(FIXTURES / "back_trans.jsonl")}},
                   {"name": "back", "use": "autoif.back_translator", "with": {"judge": "none"}},
                   {"name": "consistency", "use": "kbert.consistency_judge", "with": judge}]}


@pytest.mark.parametrize("threshold, kept", [(0.0, 5), (1.0, 0)])
def test_consistency_judge(tmp_path: Path, trained: Path, threshold: float, kept: int) -> None:
    summary, store = run_spec(tmp_path, back_translation({"model": str(trained), "threshold": threshold}))
    assert summary.outcome == "finished"
    records = sql(store, "SELECT consistent, scores, back_instructions FROM kbert_consistency")
    assert len(records) == 5 and all(len(json.loads(scores)) == 3 for _, scores, _ in records)
    assert sql(store, "SELECT count(*) FROM autoif_checked_instruction WHERE agent = 'consistency'") == [(kept,)]
    assert sql(store, "SELECT count(*) FROM dropped WHERE reason = 'inconsistent_back_translation'") == [(5 - kept,)]


def test_missing_wordnet_stops_the_campaign_before_it_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                           tiny_bert: Path) -> None:
    from synthloom.plugins.kbert import wordnet

    monkeypatch.setenv("SYNTHLOOM_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(wordnet, "DEBIAN_DIR", tmp_path / "no-wordnet")
    (tmp_path / "seeds.txt").write_text("Answer with emoji only\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        run_spec(tmp_path, {
            "name": "no-wordnet", "models": {"default": {"backend": "replay", "rules": RULES}},
            "agents": [{"name": "seeds", "use": "autoif.load_instructions", "with": {"path": "seeds.txt"}},
                       {"name": "pairs", "use": "kbert.pair_writer"},
                       {"name": "train", "use": "kbert.train", "with": {"out": "model", "base": str(tiny_bert)}}]})
    assert "WordNet is not installed" in str(caught.value) and "setup_wordnet.sh" in str(caught.value)
    assert "agents" in str(caught.value)  # located in the campaign file
    assert not (tmp_path / "store.duckdb").exists()


def test_surviving_back_translations_become_positive_pairs(tmp_path: Path) -> None:
    spec = back_translation({})
    spec["agents"][-1] = {"name": "pairs", "use": "kbert.pair_writer", "inputs": ["back"]}
    summary, store = run_spec(tmp_path, spec)
    assert summary.outcome == "finished"
    pairs = sql(store, "SELECT text_b, label, source FROM kbert_pair")
    assert len(pairs) == 5 * 3 and {(label, source) for _, label, source in pairs} == {(1, "back_translation")}
    assert sql(store, "SELECT count(*) FROM model_calls WHERE agent = 'pairs'") == [(0,)]
