from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import synthloom
from synthloom.registry.contributions import build_registry
from tests.core import agents_for_tests

TEST_PLUGINS = [("testing", agents_for_tests)]


@pytest.fixture(scope="session")
def registry() -> Any:
    return build_registry(extra=TEST_PLUGINS)


@pytest.fixture
def run_campaign(tmp_path: Path):
    """Run a campaign file in-process with the test plugin, as `synthloom run` would; (summary, store path)."""

    def run(path: Path, store: Path | None = None) -> tuple[synthloom.RunSummary, Path]:
        store = store or tmp_path / "store.duckdb"
        return synthloom.run_campaign(path, store=store, plugins=TEST_PLUGINS), store

    return run
