"""Shared helpers: the AutoIF sample data, and running a campaign written as a dict into a temporary store."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:
    from synthloom import RunSummary

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "autoif"


def fixture_rows(name: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (FIXTURES / name).read_text(encoding="utf-8").splitlines() if line.strip()]


def run_spec(tmp_path: Path, campaign: dict[str, Any]) -> tuple["RunSummary", Path]:
    """Write `campaign` as a campaign file in `tmp_path` and run it as `synthloom run` would, into a fresh store."""
    import synthloom

    path = tmp_path / "campaign.yaml"
    path.write_text(yaml.safe_dump(campaign, sort_keys=False), encoding="utf-8")
    store = tmp_path / "store.duckdb"
    summary = synthloom.run_campaign(path, store=store)
    assert summary is not None
    return summary, store


def sql(store: Path, text: str) -> list[tuple]:
    from synthloom.store import query

    return query(store, text)[1]
