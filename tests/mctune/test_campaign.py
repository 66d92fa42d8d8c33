"""MCTune in a campaign (measure, augment, respond on the replay backend) and through its commands."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from click.testing import CliRunner

from synthloom import run_campaign
from synthloom.plugins.mctune.cli import mctune
from synthloom.store import query
from tests.selection.tiny import alpaca_rows

BAD_ROWS = [{"instruction": "Say nothing.", "input": "", "output": ""},
            {"instruction": "Only emoji.", "input": "", "output": "😀😀"}]


def write_data(tmp_path: Path, count: int = 8) -> Path:
    path = tmp_path / "alpaca.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in [*alpaca_rows(count), *BAD_ROWS]), encoding="utf-8")
    return path


def test_campaign_measures_tags_and_scores(tmp_path: Path, spacy_pipeline: object) -> None:
    campaign = {
        "name": "mctune-test", "seed": 0,
        "models": {"default": {"backend": "replay", "function": "tests.mctune.replay_functions:answer"}},
        "agents": [
            {"name": "load", "use": "selection.load_alpaca", "with": {"path": str(write_data(tmp_path))}},
            {"name": "measure", "use": "mctune.measure"},
            {"name": "tag", "use": "mctune.augment", "with": {"test_size": 2}},
            {"name": "respond", "use": "mctune.respond"},
        ],
        "export": [{"kind": "mctune.train_example", "format": "trl-sft", "path": str(tmp_path / "sft.jsonl")},
                   {"kind": "mctune.response", "format": "rows", "path": str(tmp_path / "responses.jsonl")}],
    }
    path = tmp_path / "campaign.yaml"
    path.write_text(yaml.safe_dump(campaign))
    summary = run_campaign(path, store=tmp_path / "s.duckdb")
    assert summary.outcome == "finished", summary
    _, dropped = query(summary.store, "SELECT reason, count(*) FROM dropped GROUP BY ALL ORDER BY 1")
    assert dict(dropped) == {"empty_response": 1, "fkre_above_max": 1}
    _, counts = query(summary.store, "SELECT kind, count(*) FROM messages WHERE kind LIKE 'mctune.%' GROUP BY ALL")
    assert dict(counts) == {"mctune.measured": 8, "mctune.train_example": 6, "mctune.test_example": 10,
                            "mctune.response": 10}
    sft = [json.loads(line) for line in (tmp_path / "sft.jsonl").read_text().splitlines()]
    assert len(sft) == 6 and all(r["prompt"].endswith("### Response:\n") and r["completion"] for r in sft)
    runner = CliRunner()
    result = runner.invoke(mctune, ["eval", "--data", str(tmp_path / "responses.jsonl"), "--out",
                                    str(tmp_path / "report.json")], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("examples 10  zero-one ")
    report = json.loads((tmp_path / "report.json").read_text())
    rows = [json.loads(line) for line in (tmp_path / "responses.jsonl").read_text().splitlines()]
    met = sum(sum(r["matches"]) for r in rows) / sum(len(r["matches"]) for r in rows)
    assert report["zero_one_score"] == met  # the command re-measures what the campaign measured


def test_prepare_then_eval_on_files(tmp_path: Path, spacy_pipeline: object) -> None:
    runner = CliRunner()
    train, test = tmp_path / "train.jsonl", tmp_path / "test.jsonl"
    result = runner.invoke(mctune, ["prepare", "--data", str(write_data(tmp_path, 6)), "--train", str(train),
                                    "--test", str(test), "--test-size", "1"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "1 of 7 non-empty responses dropped" in result.output  # the emoji-only one
    train_rows = [json.loads(line) for line in train.read_text().splitlines()]
    test_rows = [json.loads(line) for line in test.read_text().splitlines()]
    assert len(train_rows) == 5 and len(test_rows) == 5
    assert {"prompt", "completion", "selected_tags", "tag_values", "groundtruth"} <= set(train_rows[0])
    answered = tmp_path / "answered.jsonl"
    answered.write_text("".join(json.dumps({**r, "response": ""}) + "\n" for r in test_rows))
    result = runner.invoke(mctune, ["eval", "--data", str(answered)], catch_exceptions=False)
    assert result.exit_code == 0 and "examples 5" in result.output  # empty responses are measured, not fatal
    result = runner.invoke(mctune, ["eval", "--data", str(train)])
    assert result.exit_code != 0 and "has no response" in str(result.exception)
