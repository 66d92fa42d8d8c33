"""Fixtures for the backend tests: a local fault-injecting OpenAI-compatible server, and offline Hugging Face."""

from __future__ import annotations

import os
from typing import Iterator

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from tests.backends.fake_openai_server import FakeOpenAIServer  # noqa: E402


@pytest.fixture
def server() -> Iterator[FakeOpenAIServer]:
    fake = FakeOpenAIServer(slow_s=3.0, retry_after="0.3").start()
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory):
    from tests.backends.tiny_model import build_tiny_model

    return build_tiny_model(tmp_path_factory.mktemp("tiny-gemma3"))


@pytest.fixture(scope="session")
def tiny_backend(tiny_model_dir):
    from synthloom.backends.base import ModelSpec
    from synthloom.backends.transformers.backend import create

    backend = create(ModelSpec(model=str(tiny_model_dir), dtype="float32", batch_size=4, score_chunk_rows=3))
    yield backend
    backend.close()
