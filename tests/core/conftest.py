from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from synthloom.campaign import load_campaign
from synthloom.registry.contributions import build_registry
from synthloom.runtime import Runtime
from tests.core import agents_for_tests


@pytest.fixture(scope="session")
def registry() -> Any:
    return build_registry(extra=[("testing", agents_for_tests)])


@pytest.fixture
def run_campaign(registry: Any, tmp_path: Path):
    """Run a campaign file in-process on the test registry; returns (summary, store path)."""

    def run(path: Path, store: Path | None = None) -> tuple[dict[str, Any], Path]:
        campaign, agents = load_campaign(path, registry)
        store = store or tmp_path / "store.duckdb"
        runtime = Runtime(campaign, agents, registry, store_path=str(store))
        return runtime.run(), store

    return run
