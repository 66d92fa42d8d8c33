"""Shared helpers: the AutoIF sample data, and running a campaign written as a dict into a temporary store."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "autoif"


def fixture_rows(name: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (FIXTURES / name).read_text(encoding="utf-8").splitlines() if line.strip()]


def run_campaign(tmp_path: Path, campaign: dict[str, Any]) -> tuple[dict[str, Any], Path]:
    from synthloom.campaign import load_campaign
    from synthloom.registry.contributions import build_registry
    from synthloom.runtime import Runtime

    path = tmp_path / "campaign.yaml"
    path.write_text(yaml.safe_dump(campaign, sort_keys=False), encoding="utf-8")
    registry = build_registry()
    loaded, agents = load_campaign(path, registry)
    store = tmp_path / "store.duckdb"
    summary = Runtime(loaded, agents, registry, store_path=str(store)).run()
    return summary, store


def sql(store: Path, text: str) -> list[tuple]:
    from synthloom.store import query

    return query(store, text)[1]


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES
