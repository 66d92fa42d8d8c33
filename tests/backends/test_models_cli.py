"""`synthloom models`: prepare and info."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from synthloom.backends import embedded
from synthloom.backends.cli import models
from synthloom.errors import ConfigError


def invoke(*args: str):
    # wide enough that rich never folds a long model id with an ellipsis
    return CliRunner(env={"COLUMNS": "300"}).invoke(models, list(args), catch_exceptions=False)


def test_info_resolves_a_transformers_spec_without_loading(monkeypatch, tmp_path):
    monkeypatch.setenv("SYNTHLOOM_CACHE", str(tmp_path))
    result = invoke("info", "--model", "embedded", "-o", "dtype=float32", "-o", "batch_size=8")
    assert result.exit_code == 0
    assert "transformers:embedded:float32" in result.output
    assert "batch_size=8" in result.output
    assert "not prepared yet" in result.output


def test_info_shows_the_litellm_transport_and_hides_keys():
    result = invoke("info", "--model", "litellm:hosted_vllm/m", "-o", "api_base=http://127.0.0.1:9/v1", "-o", "api_key=s3cret")
    assert "http (self-hosted)" in result.output and "echo + logprobs" in result.output
    assert "s3cret" not in result.output


def test_info_on_vllm_says_how_to_install_it(tmp_path):
    result = invoke("info", "--model", f"vllm:{tmp_path}", "-o", "tensor_parallel_size=2")
    assert f"vllm:{tmp_path}:auto" in result.output and "pip install synthloom[vllm]" in result.output


def test_info_describes_a_plugin_backend_through_its_own_options():
    result = invoke("info", "--model", "replay:x", "-o", "default=hello")
    assert result.exit_code == 0 and "replay" in result.output and "default='hello'" in result.output


@pytest.mark.parametrize("args, message", [
    (("info", "--model", "embedded", "-o", "bogus=1"), "bogus: unknown option"),
    (("info", "--model", "embedded", "-o", "novalue"), "is not KEY=VALUE"),
    (("info", "--model", "nosuch:x"), "unknown backend 'nosuch'"),
    (("info", "--model", "vllm:/no/such/model"), "does not exist"),
    (("info", "--model", "litellm:gpt-4o"), "has no provider prefix"),
])
def test_info_errors_are_config_errors(args, message):
    with pytest.raises(ConfigError, match=message):
        invoke(*args)


def test_prepare_is_idempotent(monkeypatch, tmp_path):
    monkeypatch.setenv("SYNTHLOOM_CACHE", str(tmp_path))

    def convert(gguf_path, out_dir, *, source_sha256):
        out_dir.mkdir()
        (out_dir / "model.safetensors").write_bytes(b"x" * 2**20)
        (out_dir / embedded.MARKER).write_text("{}")

    monkeypatch.setattr(embedded._import_package(), "assemble", lambda output_path: output_path)
    monkeypatch.setattr(embedded, "_convert", convert)
    first, second = invoke("prepare", "embedded"), invoke("prepare", "embedded")
    assert "embedded model embedded (Gemma 3 270M) prepared" in first.output and "already prepared" in second.output
    assert str(tmp_path / "models" / "gemma3-270m") in second.output.replace("\n", "")
