from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Iterator

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture(scope="session", autouse=True)
def one_torch_thread() -> Iterator[None]:
    """Toy models run fastest on one thread, and many times faster when other processes load the cores."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="session")
def tiny_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.selection.tiny import build_tiny_model

    return build_tiny_model(tmp_path_factory.mktemp("tiny-llama"))


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
