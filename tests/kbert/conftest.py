from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(scope="session", autouse=True)
def toy_models_on_one_thread(one_torch_thread: None) -> None:
    """Every test here runs toy models only (tests/conftest.py)."""


@pytest.fixture(scope="session")
def tiny_bert(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.kbert.tiny import build_tiny_bert

    return build_tiny_bert(tmp_path_factory.mktemp("tiny-bert"))


@pytest.fixture(scope="session")
def wordnet() -> Any:
    """The real WordNet (scripts/setup_wordnet.sh installs it), copied into the synthloom cache once."""
    from synthloom.plugins.kbert import wordnet

    return wordnet.load()
