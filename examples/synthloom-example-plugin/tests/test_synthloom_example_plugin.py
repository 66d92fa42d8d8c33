"""Tests of the example_plugin plugin, run against the installed package: `pip install -e '.[test]' && pytest`."""

from __future__ import annotations

from pathlib import Path

from synthloom.campaign import load_campaign
from synthloom.registry.contributions import build_registry
from synthloom.runtime import Runtime
from synthloom.store import query

CAMPAIGN = Path(__file__).resolve().parent.parent / "campaign.yaml"


def test_plugin_is_installed_and_contributes() -> None:
    registry = build_registry()
    plugin = next(p for p in registry.plugins if p.name == "example_plugin")
    assert plugin.error is None
    assert plugin.contributes["agents"] == ["example_plugin.paraphrase"]
    assert plugin.contributes["kinds"] == ["example_plugin.paraphrase"]


def test_campaign_paraphrases_every_prompt(tmp_path: Path) -> None:
    registry = build_registry()
    campaign, agents = load_campaign(CAMPAIGN, registry)
    store = tmp_path / "demo.duckdb"
    summary = Runtime(campaign, agents, registry, store_path=str(store)).run()
    assert summary["status"] == "finished"
    _, rows = query(str(store), "SELECT instruction, paraphrase FROM example_plugin_paraphrase ORDER BY instruction")
    assert rows
    assert all(paraphrase == f"In other words: {instruction}" for instruction, paraphrase in rows)
