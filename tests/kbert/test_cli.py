"""`synthloom kbert ...` on plain files (tiny BERT for training and scoring, the embedded MiniLM for candidates),
and the dedup rule the CLI shares with the agents, including the bad inputs the issue names."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from synthloom import ConfigError
from synthloom.plugins.kbert.cli import kbert

pytestmark = pytest.mark.model

PAIRS = [{"text_a": "the dog sat", "text_b": "a dog sat", "label": 1},
         {"text_a": "the dog sat", "text_b": "the cat ran", "label": 0},
         {"text_a": "answer with emoji only", "text_b": "translate your answer into emojis", "label": 1}]


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def invoke(*args: str) -> Any:
    result = CliRunner().invoke(kbert, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def test_prior_prints_the_word_matrix_and_flags_foreign_text(wordnet: object) -> None:
    out = invoke("prior", "The dog!", "a cat", "--mode", "fast").output.splitlines()
    assert out[1].split() == ["the", "0.000", "0.000"] and out[2].split() == ["dog", "0.250", "0.857"]
    foreign = invoke("prior", "Отвечайте только эмодзи", "只用表情符号回答").output
    assert "no cross-sentence knowledge" in foreign


def test_train_then_score(tmp_path: Path, tiny_bert: Path, wordnet: object) -> None:
    pairs = write_jsonl(tmp_path / "pairs.jsonl", PAIRS)
    invoke("train", "--pairs", str(pairs), "--out", str(tmp_path / "model"), "--base", str(tiny_bert),
           "--mode", "fast", "--senses", "2", "--epochs", "1", "--batch-size", "2", "--max-length", "24")
    saved = json.loads((tmp_path / "model" / "config.json").read_text())["kbert"]
    assert saved["prior_mode"] == "fast" and saved["senses"] == 2 and saved["max_length"] == 24
    todo = write_jsonl(tmp_path / "todo.jsonl", [{"text_a": "the dog", "text_b": "a cat", "id": 7},
                                                 {"text_a": "", "text_b": "xyzzy"}])
    invoke("score", "--model", str(tmp_path / "model"), "--pairs", str(todo), "--out", str(tmp_path / "s.jsonl"))
    scored = read_jsonl(tmp_path / "s.jsonl")
    assert scored[0]["id"] == 7 and 0.0 <= scored[0]["score"] <= 1.0 and scored[0]["flags"] == []
    assert scored[1]["flags"] == ["empty_sentence", "no_wordnet_words"]


def test_rows_without_the_fields_are_refused(tmp_path: Path, tiny_bert: Path) -> None:
    pairs = write_jsonl(tmp_path / "pairs.jsonl", [PAIRS[0], {"text_a": "a", "text_b": "b"}])
    with pytest.raises(ConfigError, match="row 2 lacks one"):
        invoke("train", "--pairs", str(pairs), "--out", str(tmp_path / "m"), "--base", str(tiny_bert), "--no-prior")
    assert not (tmp_path / "m").exists()


def test_cosine_dedup_drops_duplicates_and_empty_rows(tmp_path: Path) -> None:
    rows = [{"instruction": t} for t in ["Answer with emoji only", "", "Translate your answer into emojis", "?!",
                                         "Write the response backward"]]
    source = write_jsonl(tmp_path / "in.jsonl", rows)
    result = invoke("dedup", "--in", str(source), "--out", str(tmp_path / "out.jsonl"), "--dropped",
                    str(tmp_path / "dropped.jsonl"), "--cosine-threshold", "0.5")
    assert "kept 2 of 5 rows; 1 semantic duplicates, 2 empty" in result.output
    assert [r["instruction"] for r in read_jsonl(tmp_path / "out.jsonl")] == ["Answer with emoji only",
                                                                             "Write the response backward"]
    dropped = read_jsonl(tmp_path / "dropped.jsonl")
    assert [(r["instruction"], r["reason"]) for r in dropped] == [
        ("", "empty_text"), ("Translate your answer into emojis", "semantic_duplicate"), ("?!", "empty_text")]
    assert dropped[1]["matched"] == "Answer with emoji only" and dropped[1]["score"] >= 0.5


def test_semantic_duplicates_never_judges_an_empty_text_and_keeps_the_judges_flags() -> None:
    from synthloom.plugins.kbert.candidates import semantic_duplicates

    seen: list[tuple[str, str]] = []

    def judge(pairs: list[tuple[str, str]]) -> list[tuple[float, tuple[str, ...]]]:
        seen.extend(pairs)
        return [(0.9, ("no_cross_knowledge",)) for _ in pairs]

    texts = ["Answer with emoji only", "", "Translate your answer into emojis", "...", "Answer with emoji only!"]
    found = semantic_duplicates(texts, judge, 0.5, min_cosine=0.3, neighbours=1)
    assert found.empty == {1, 3}
    assert seen and all(a.strip(".") and b.strip(".") for a, b in seen)
    assert sorted(found.duplicates) == [2, 4] and {d.match for d in found.duplicates.values()} == {0}
    assert found.flags[(0, 2)] == ("no_cross_knowledge",) and 0.3 <= found.cosine[(0, 2)] <= 1.0


def test_a_missing_wordnet_is_a_clear_error_before_training(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                            tiny_bert: Path) -> None:
    from synthloom.plugins.kbert import wordnet

    monkeypatch.setenv("SYNTHLOOM_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(wordnet, "DEBIAN_DIR", tmp_path / "no-wordnet")
    pairs = write_jsonl(tmp_path / "pairs.jsonl", PAIRS)
    for args in (["prior", "dog", "cat"],
                 ["train", "--pairs", str(pairs), "--out", str(tmp_path / "m"), "--base", str(tiny_bert)]):
        with pytest.raises(ConfigError, match="WordNet is not installed") as caught:
            invoke(*args)
        assert "setup_wordnet.sh" in str(caught.value)
    assert not (tmp_path / "m").exists()
