from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Callable

import pytest
import yaml

import synthloom
from tests.debate import recording_backend

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")



@pytest.fixture
def campaign(tmp_path: Path) -> Callable[..., Path]:
    """Write a campaign (a dict, seed 1 unless given) into tmp_path, and `topics` as topics.jsonl beside it."""

    def write(data: dict[str, Any], topics: list[Any] | None = None, name: str = "campaign.yaml") -> Path:
        if topics is not None:
            (tmp_path / "topics.jsonl").write_text("".join(json.dumps(t) + "\n" for t in topics))
        path = tmp_path / name
        path.write_text(yaml.safe_dump({"seed": 1, **data}, sort_keys=False))
        return path

    return write


@pytest.fixture
def run(tmp_path: Path) -> Callable[..., synthloom.RunSummary]:
    """Run a campaign in-process with the recording backend plugin; the store defaults to tmp_path/store.duckdb."""

    def go(path: Path, store: Path | None = None) -> synthloom.RunSummary:
        recording_backend.CALLS.clear()
        summary = synthloom.run_campaign(path, store=store or tmp_path / "store.duckdb",
                                         plugins=[recording_backend])
        assert summary is not None
        return summary

    return go
