"""The vLLM backend on the real engine (vLLM's CPU build, in the environment of scripts/setup_vllm.sh) with the
embedded model: every request field, parity with the transformers backend in float32, the long-prompt rule, bad
requests and models, and an engine killed mid-batch. One engine serves the whole module (loading takes 45 s)."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import signal
import threading
from pathlib import Path

import pytest
from tests.backends.vllm_env import EMBEDDED_SPEC, require_vllm_python

from synthloom.backends.base import ChatMessage, GenerateRequest, ModelSpec, ScoreRequest
from synthloom.errors import ConfigError

pytestmark = [pytest.mark.model, pytest.mark.slow]

ALPACA = Path(__file__).resolve().parents[2] / "examples" / "data" / "alpaca_small.jsonl"
PROMPTS = ["The capital of France is", "Once upon a time, in a small village,", "def fibonacci(n):",
           "The three primary colours are"]


@pytest.fixture(scope="module")
def vllm_backend():
    from synthloom.backends.vllm.backend import create

    require_vllm_python()
    backend = create(ModelSpec(**EMBEDDED_SPEC))
    backend.engine.ensure_started()
    yield backend
    backend.close()


@pytest.fixture(scope="module")
def transformers_backend():
    from synthloom.backends.transformers.backend import create

    backend = create(ModelSpec(model="embedded", dtype="float32", batch_size=8))
    yield backend
    backend.close()


def generate(backend, requests):
    return asyncio.run(backend.generate(requests))


def test_every_request_field_reaches_the_engine(vllm_backend):
    sampled = {"n": 3, "temperature": 1.0, "top_p": 0.9, "max_tokens": 12}
    colour = {"type": "object", "properties": {"colour": {"enum": ["red", "green", "blue"]}}, "required": ["colour"],
              "additionalProperties": False}
    requests = [
        GenerateRequest(prompt="1, 2, 3, 4, 5,", max_tokens=20, stop=[" 8"]),
        GenerateRequest(prompt="Once upon a time", seed=5, **sampled),
        GenerateRequest(prompt="Once upon a time", seed=5, **sampled),
        GenerateRequest(prompt="Once upon a time", seed=6, **sampled),
        GenerateRequest(prompt="The sky is", max_tokens=3),
        GenerateRequest(prompt="A colour as JSON:", json_schema=colour, max_tokens=24),
        GenerateRequest(prompt="Three digits:", regex="[0-9]{3}", max_tokens=8),
        GenerateRequest(prompt="Is the sky blue? Answer:", choice=["yes", "no"], max_tokens=4),
        GenerateRequest(messages=[ChatMessage(role="system", content="You are terse."),
                                  ChatMessage(role="user", content="Name a fruit.")], max_tokens=12),
    ]
    stop, seeded, same_seed, other_seed, short, as_json, digits, choice, chat = generate(vllm_backend, requests)

    assert stop.generations[0].finish_reason == "stop" and " 8" not in stop.texts()[0]
    assert "6, 7" in stop.texts()[0]  # the counting went on up to the stop string, which is cut off
    assert len(seeded.texts()) == 3 and len(set(seeded.texts())) > 1
    assert seeded.texts() == same_seed.texts() and seeded.texts() != other_seed.texts()
    assert (short.completion_tokens, short.generations[0].finish_reason) == (3, "length")
    assert as_json.generations[0].parsed in ({"colour": c} for c in ("red", "green", "blue"))
    assert re.fullmatch("[0-9]{3}", digits.texts()[0])
    assert choice.texts()[0] in ("yes", "no")
    assert chat.error is None and "\nUser:" not in chat.texts()[0]  # the plain template's turn stop
    assert all(r.cost is None and r.prompt_tokens > 0 for r in (stop, seeded, chat))


def test_greedy_text_equals_the_transformers_backend_in_float32(vllm_backend, transformers_backend):
    requests = [GenerateRequest(prompt=p, max_tokens=24) for p in PROMPTS]
    requests.append(GenerateRequest(messages=[ChatMessage(role="user", content="Name a colour.")], max_tokens=16))
    ours, theirs = generate(vllm_backend, requests), generate(transformers_backend, requests)
    assert [r.texts() for r in ours] == [r.texts() for r in theirs]
    assert [r.completion_tokens for r in ours] == [r.completion_tokens for r in theirs]


@pytest.mark.parametrize("compat", [None, "cherry"])
def test_ifd_scores_equal_the_transformers_backend_in_float32(vllm_backend, transformers_backend, compat):
    from synthloom.plugins.selection.parsing import AlpacaItem
    from synthloom.plugins.selection.scoring import ScoringOptions, score_items

    rows = [json.loads(line) for line in ALPACA.read_text().splitlines()]
    items = [AlpacaItem(r["instruction"], r["input"], r["output"]) for r in rows]
    options = ScoringOptions(compat=compat, reverse=compat is None)

    def scores(backend):
        return [s.fields() for s in asyncio.run(score_items(items, options, backend.score, backend.tokenizer))]

    ours, theirs = scores(vllm_backend), scores(transformers_backend)
    for mine, reference in zip(ours, theirs):
        assert mine["answer_tokens"] == reference["answer_tokens"] > 0
        for field in ("ifd", "loss_conditioned", "loss_direct") + (("rifd",) if compat is None else ()):
            assert mine[field] == pytest.approx(reference[field], rel=1e-4), field


def test_prompts_longer_than_the_context_follow_the_long_prompt_rule(vllm_backend):
    from synthloom.backends.vllm.backend import create

    long_prompt = "the cat sat on the mat. " * 250  # about 1,500 tokens, the context is 1,024
    [cut] = generate(vllm_backend, [GenerateRequest(prompt=long_prompt, max_tokens=8)])
    assert cut.error is None and cut.truncated_prompt and cut.prompt_tokens == 1024 - 8
    strict = create(ModelSpec(**EMBEDDED_SPEC, on_long_prompt="error"))
    try:
        assert strict.engine is vllm_backend.engine  # the rule is ours, not the engine's: same engine
        [refused] = generate(strict, [GenerateRequest(prompt=long_prompt, max_tokens=8)])
        assert "only 1016 fit the context of 1024" in refused.error
    finally:
        strict.close()
    [scored] = asyncio.run(vllm_backend.score([ScoreRequest(prefix="", continuation=long_prompt)]))
    assert scored.error is None and scored.truncated and len(scored.logprobs) == 1024 - 2


def test_a_request_vllm_refuses_fails_alone(vllm_backend):
    good = GenerateRequest(prompt="Three digits:", regex="[0-9]{3}", max_tokens=8)
    bad = GenerateRequest(prompt="Three digits:", regex="[0-9", max_tokens=8)
    responses = generate(vllm_backend, [good, bad, good])
    assert "vLLM refused the request" in responses[1].error and "regex" in responses[1].error
    assert responses[0].error is None and responses[0].texts() == responses[2].texts()


def test_an_architecture_vllm_lacks_is_a_config_error_naming_the_model(vllm_backend, tmp_path):
    from synthloom.backends.vllm.backend import create

    folder = tmp_path / "strange-model"
    shutil.copytree(vllm_backend.path, folder, ignore=shutil.ignore_patterns("*.safetensors"))
    config = json.loads((folder / "config.json").read_text())
    (folder / "config.json").write_text(json.dumps({**config, "architectures": ["NoSuchForCausalLM"]}))
    backend = create(ModelSpec(backend="vllm", model=str(folder), dtype="float32", max_model_len=256))
    try:
        with pytest.raises(ConfigError, match="vLLM could not load model .*strange-model") as caught:
            generate(backend, [GenerateRequest(prompt="x")])
        assert "NoSuchForCausalLM" in caught.value.message
        assert "transformers backend" in caught.value.hint
    finally:
        backend.close()


def test_the_example_campaign_runs_on_the_engine(vllm_backend, tmp_path):
    import synthloom

    examples = Path(__file__).resolve().parents[2] / "examples"
    shutil.copytree(examples / "data", tmp_path / "examples" / "data")
    shutil.copy(examples / "vllm_cpu.yaml", tmp_path / "examples")
    summary = synthloom.run_campaign(tmp_path / "examples" / "vllm_cpu.yaml")
    assert summary.outcome == "finished", summary
    assert summary.agents["generate"].produced == 40 and summary.agents["ifd"].produced == 8
    # Cherry's rule: IFD above 1 is dropped, then half of what is left is kept (which samples exceed 1 depends on
    # the CPU's float arithmetic, so the count is read from the store)
    _, [(valid,)] = synthloom.query(tmp_path / "runs" / "vllm-cpu.duckdb",
                                    "SELECT count(*) FROM selection_ifd_score WHERE ifd <= 1")
    assert valid >= 2
    assert len((tmp_path / "runs" / "vllm-cpu" / "sft.jsonl").read_text().splitlines()) == valid // 2


def test_an_engine_killed_mid_batch_fails_its_batch_with_a_clear_error(vllm_backend):
    """Last in this module: it kills the module's engine (the next batch would start a new one)."""
    generate(vllm_backend, [GenerateRequest(prompt="warm", max_tokens=1)])  # the tokenizer is loaded: no delay
    pid = vllm_backend.engine.info["pid"]
    timer = threading.Timer(2.0, os.kill, (pid, signal.SIGKILL))
    timer.start()
    try:
        responses = generate(vllm_backend, [GenerateRequest(prompt=p, max_tokens=800) for p in PROMPTS * 2])
    finally:
        timer.cancel()
    for response in responses:
        assert response.generations == [] and "vLLM's engine process" in response.error
        assert "was killed by SIGKILL while a generate batch of 8" in response.error
        assert "vLLM's log is" in response.error
    assert vllm_backend.engine.info is None  # forgotten: the next batch starts a fresh engine
