"""FastClass with the embedded MiniLM on the example's 60 documents in four topics: the command, the campaign, and
the bad inputs the issue names."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from synthloom import run_campaign
from synthloom.plugins.fastclass.cli import fastclass
from synthloom.store import query

pytestmark = pytest.mark.model
DATA = Path(__file__).resolve().parents[2] / "examples" / "data" / "fastclass"


def test_label_command_reports_accuracy_and_saves_a_classifier(tmp_path: Path) -> None:
    out = tmp_path / "labelled.jsonl"
    result = CliRunner().invoke(fastclass, [
        "label", "--corpus", str(DATA / "corpus.jsonl"), "--classes", str(DATA / "classes.jsonl"), "--out", str(out),
        "--label-field", "topic", "--pool", "0.4", "--classifier-out", str(tmp_path / "classifier")],
        catch_exceptions=False)
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert 4 <= len(rows) <= 24 and {"text", "topic", "label", "label_id", "score", "rank"} <= set(rows[0])
    correct = sum(r["label"] == r["topic"] for r in rows) / len(rows)
    assert f"pseudo_label_accuracy: {correct:.4f}" in result.output and correct >= 0.9
    saved = pickle.loads((tmp_path / "classifier" / "classifier.pkl").read_bytes())
    assert saved["classes"] == ["sports", "cooking", "technology", "weather"]


def test_identical_descriptions_and_a_tiny_corpus_are_refused(tmp_path: Path) -> None:
    classes = tmp_path / "classes.txt"
    classes.write_text("sports\nSports\n", encoding="utf-8")
    result = CliRunner().invoke(fastclass, ["label", "--corpus", str(DATA / "corpus.jsonl"), "--classes",
                                            str(classes), "--out", str(tmp_path / "out.jsonl")])
    assert result.exit_code != 0 and "have the same description" in str(result.exception)
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("Only one document.\n\n", encoding="utf-8")
    result = CliRunner().invoke(fastclass, ["label", "--corpus", str(corpus), "--classes",
                                            str(DATA / "classes.jsonl"), "--out", str(tmp_path / "out.jsonl")])
    assert result.exit_code != 0 and "fewer than the 4 classes" in str(result.exception)


def test_campaign_labels_drops_the_rest_and_exports_sft(tmp_path: Path) -> None:
    campaign = {
        "name": "fastclass-test", "seed": 0,
        "agents": [
            {"name": "corpus", "use": "fastclass.load_corpus", "with": {"path": str(DATA / "corpus.jsonl")}},
            {"name": "label", "use": "fastclass.label",
             "with": {"classes_path": str(DATA / "classes.jsonl"), "pool": 0.4, "out": "classifier"}},
        ],
        "export": [{"kind": "fastclass.labelled", "format": "trl-sft", "path": str(tmp_path / "sft.jsonl")}],
    }
    path = tmp_path / "campaign.yaml"
    path.write_text(yaml.safe_dump(campaign))
    summary = run_campaign(path, store=tmp_path / "s.duckdb")
    assert summary.outcome == "finished", summary
    _, labelled = query(summary.store, "SELECT label, extra->>'topic' FROM fastclass_labelled")
    _, dropped = query(summary.store, "SELECT reason, count(*) FROM dropped GROUP BY ALL")
    assert len(labelled) + sum(n for _, n in dropped) == 60
    assert set(dict(dropped)) <= {"not_retrieved", "not_selected"}
    assert sum(label == topic for label, topic in labelled) / len(labelled) >= 0.9
    _, classifier = query(summary.store, "SELECT path, documents, keep FROM fastclass_classifier")
    assert classifier[0][1] == len(labelled) and Path(classifier[0][0], "classifier.pkl").is_file()
    sft = [json.loads(line) for line in (tmp_path / "sft.jsonl").read_text().splitlines()]
    assert sft[0]["messages"][0]["content"].startswith("Classify the text as one of: sports, cooking, technology")
