"""Fixtures shared by the test folders: offline Hugging Face, one torch thread for toy models, the tiny Llama."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture(scope="session")
def one_torch_thread() -> Iterator[None]:
    """Toy models run fastest on one thread, and many times faster when other processes load the cores. A folder
    whose tests use only toy models asks for it from an autouse fixture in its conftest."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="session")
def tiny_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random Llama with a real byte-level BPE tokenizer (tests/selection/tiny.py)."""
    from tests.selection.tiny import build_tiny_model

    return build_tiny_model(tmp_path_factory.mktemp("tiny-llama"))
