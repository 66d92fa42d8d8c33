from __future__ import annotations

import pytest


@pytest.fixture(scope="session", autouse=True)
def toy_models_on_one_thread(one_torch_thread: None) -> None:
    """Every test here runs toy models only (tests/conftest.py)."""
