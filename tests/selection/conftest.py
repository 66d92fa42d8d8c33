from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest


@pytest.fixture(scope="session", autouse=True)
def toy_models_on_one_thread(one_torch_thread: None) -> None:
    """Every test here runs toy models only (tests/conftest.py)."""


@pytest.fixture(scope="session")
def tiny_backend(tiny_dir: Path) -> Iterator[Any]:
    """Our batched path: the transformers backend on the tiny model, with small batches and LM-head chunks."""
    from synthloom.backends.base import ModelSpec
    from synthloom.backends.transformers.backend import create

    backend = create(ModelSpec(model=str(tiny_dir), dtype="float32", batch_size=5, score_chunk_rows=7))
    yield backend
    backend.close()


@pytest.fixture(scope="session")
def tiny_reference(tiny_dir: Path) -> tuple[Any, Any]:
    """The tiny model loaded separately, as the reference scripts load theirs (for the per-sample loops)."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = AutoModelForCausalLM.from_pretrained(tiny_dir, dtype="float32").eval()
    return AutoTokenizer.from_pretrained(tiny_dir), model
