"""Tests of the example_plugin plugin, run against the installed package: `pip install -e '.[test]' && pytest`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import synthloom

HERE = Path(__file__).resolve().parent.parent
REPLAY = ["--model", "replay:paraphraser", "-o",
          'rules=[{match: "keeping its meaning: (.*)", reply: "In other words: \\\\1"}]']


def test_plugin_is_installed_and_contributes() -> None:
    from synthloom.registry.contributions import build_registry

    plugin = next(p for p in build_registry().plugins if p.name == "example_plugin")
    assert plugin.error is None
    assert plugin.contributes["agents"] == ["example_plugin.paraphrase"]
    assert plugin.contributes["kinds"] == ["example_plugin.paraphrase"]


def test_campaign_paraphrases_every_prompt(tmp_path: Path) -> None:
    summary = synthloom.run_campaign(HERE / "campaign.yaml", store=tmp_path / "demo.duckdb")
    assert summary.outcome == "finished", summary
    _, rows = synthloom.query(summary.store, "SELECT instruction, paraphrase FROM example_plugin_paraphrase")
    assert len(rows) == summary.agents["load"].produced
    assert all(paraphrase == f"In other words: {instruction}" for instruction, paraphrase in rows)


def test_command_paraphrases_a_file(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    run = subprocess.run([sys.executable, "-m", "synthloom.cli.main", "example_plugin", "paraphrase",
                          "--in", str(HERE / "data" / "prompts.jsonl"), "--out", str(out), *REPLAY],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert rows and all(r["paraphrase"] == f"In other words: {r['instruction']}" for r in rows)
