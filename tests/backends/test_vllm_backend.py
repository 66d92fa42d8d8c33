"""The vLLM backend without vLLM: the pure request/result mapping, the options, and the worker protocol against a
fake `vllm` package (tests/backends/fake_vllm) run by the worker in a real subprocess. The real engine is tested in
test_vllm_engine.py and test_vllm_server.py."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
import time
import types
from dataclasses import dataclass
from pathlib import Path

import pytest

from synthloom.backends.base import ChatMessage, GenerateRequest, ModelSpec, ScoreRequest
from synthloom.backends.scoring import ScoreSpan
from synthloom.backends.vllm import worker
from synthloom.backends.vllm.interpreter import engine_python
from synthloom.backends.vllm.options import VLLMOptions, check, cpu_list, engine_args, engine_env
from synthloom.backends.vllm.wire import generate_job, parse_output, parse_scores, sampling_kwargs, structured
from synthloom.errors import ConfigError
from synthloom.messages import Image

FAKE_VLLM = Path(__file__).with_name("fake_vllm")


# -- the pure mapping -------------------------------------------------------------------------------------------

def test_sampling_parameters_map_one_to_one():
    request = GenerateRequest(prompt="p", n=3, temperature=0.7, top_p=0.8, max_tokens=9, stop=["END"], seed=4)
    assert sampling_kwargs(request, ("\nUser:",)) == {
        "n": 3, "temperature": 0.7, "top_p": 0.8, "max_tokens": 9, "stop": ["END", "\nUser:"], "seed": 4}


def test_each_form_constraint_becomes_structured_outputs():
    assert structured(GenerateRequest(prompt="p", json_schema={"type": "object"})) == {"json": {"type": "object"}}
    assert structured(GenerateRequest(prompt="p", regex="[0-9]+")) == {"regex": "[0-9]+"}
    assert structured(GenerateRequest(prompt="p", choice=["yes", "no"])) == {"choice": ["yes", "no"]}
    assert structured(GenerateRequest(prompt="p")) is None
    assert generate_job([2, 5], GenerateRequest(prompt="p", regex="a"))["structured"] == {"regex": "a"}


def test_the_worker_uses_the_structured_outputs_api_of_the_installed_version():
    new = types.SimpleNamespace(StructuredOutputsParams=lambda **kw: ("structured", kw))
    old = types.SimpleNamespace(GuidedDecodingParams=lambda **kw: ("guided", kw))
    assert worker.structured_params(new, {"choice": ["a"]}) == {"structured_outputs": ("structured", {"choice": ["a"]})}
    assert worker.structured_params(old, {"regex": "x"}) == {"guided_decoding": ("guided", {"regex": "x"})}
    assert worker.structured_params(new, None) == {}


def test_results_become_responses_in_sample_order_and_json_is_checked():
    result = {"prompt_tokens": 3, "samples": [
        {"index": 1, "text": '{"a": 1}', "tokens": 2, "finish_reason": "length"},
        {"index": 0, "text": '{"a": "x"}', "tokens": 1, "finish_reason": "stop"}]}
    request = GenerateRequest(prompt="p", n=2, temperature=1, json_schema={"properties": {"a": {"type": "integer"}}})
    response = parse_output(result, request, truncated_prompt=True, latency_ms=5.0)
    assert response.texts() == ['{"a": "x"}', '{"a": 1}']
    assert [g.finish_reason for g in response.generations] == ["stop", "length"]
    assert response.generations[0].schema_error and response.generations[1].parsed == {"a": 1}
    assert (response.prompt_tokens, response.completion_tokens, response.cost) == (3, 3, None)
    assert response.truncated_prompt
    refused = parse_output({"error": "ValueError: bad grammar"}, request, truncated_prompt=False, latency_ms=1.0)
    assert refused.generations == [] and "vLLM refused the request: ValueError: bad grammar" in refused.error


@dataclass
class Logprob:
    logprob: float
    decoded_token: str | None


def test_prompt_logprobs_are_read_for_the_scored_positions_only():
    ids = [2, 10, 11, 12]
    entries = [None] + [{t: Logprob(-0.1 * t, f"<{t}>"), 99: Logprob(-0.01, "top")} for t in ids[1:]]
    output = types.SimpleNamespace(prompt_logprobs=entries)
    result = worker.prompt_scores(output, {"prompt_token_ids": ids, "first": 2})
    assert result["tokens"] == ["<11>", "<12>"] and result["logprobs"] == pytest.approx([-1.1, -1.2])
    response = parse_scores(result, ScoreSpan(input_ids=ids, first=2, truncated=True), latency_ms=1.0)
    assert response.truncated and response.mean_nll == pytest.approx(1.15)


# -- options ---------------------------------------------------------------------------------------------------

def test_options_become_engine_arguments_and_cli_flags():
    options = VLLMOptions(dtype="float32", max_model_len=1024, tokenizer="/t", enforce_eager=False,
                          engine_args={"max_num_seqs": 8, "dtype": "bfloat16"})
    args = engine_args(options)
    assert args == {"tensor_parallel_size": 1, "dtype": "bfloat16", "gpu_memory_utilization": 0.9, "seed": 0,
                    "max_model_len": 1024, "tokenizer": "/t", "enforce_eager": False, "max_num_seqs": 8}
    assert worker.cli_flags({"max_model_len": 1024, "enforce_eager": True, "trust_remote_code": False,
                             "hf_overrides": {"a": 1}, "quantization": None}) == [
        "--max-model-len", "1024", "--enforce-eager", "--no-trust-remote-code", "--hf-overrides", '{"a": 1}']


def test_engine_environment_defaults_to_every_core_unless_set():
    assert cpu_list([0, 1, 2, 3, 6, 8, 9]) == "0-3,6,8-9"
    assert engine_env(VLLMOptions(), cpus=[0, 1], inherited={}) == {
        "VLLM_CPU_KVCACHE_SPACE": "2", "VLLM_CPU_OMP_THREADS_BIND": "0-1"}
    inherited = {"VLLM_CPU_KVCACHE_SPACE": "8", "VLLM_CPU_OMP_THREADS_BIND": "1"}
    assert engine_env(VLLMOptions(), cpus=[0, 1], inherited=inherited) == {}
    assert engine_env(VLLMOptions(cpu_threads="0", env={"VLLM_CPU_KVCACHE_SPACE": "1"}), cpus=[0, 1],
                      inherited=inherited) == {"VLLM_CPU_OMP_THREADS_BIND": "0", "VLLM_CPU_KVCACHE_SPACE": "1"}


def test_no_vllm_anywhere_says_how_to_get_it(monkeypatch, tmp_path):
    import importlib.util

    monkeypatch.setenv("SYNTHLOOM_VLLM_ENV", str(tmp_path / "none"))
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "vllm" else real_find_spec(name, *a))
    with pytest.raises(ConfigError, match="found no Python with vLLM") as caught:
        engine_python(None, where="vllm:m")
    assert "scripts/setup_vllm.sh" in caught.value.hint and "pip install 'synthloom[vllm]'" in caught.value.hint
    with pytest.raises(ConfigError, match="does not exist"):
        engine_python(str(tmp_path / "bin" / "python"), where="vllm:m")


def test_a_gguf_file_without_a_tokenizer_is_refused_when_the_campaign_loads(tmp_path):
    gguf = tmp_path / "model.gguf"
    gguf.write_bytes(b"GGUF")
    with pytest.raises(ConfigError, match="only with its original model's tokenizer") as caught:
        check(ModelSpec(backend="vllm", model=str(gguf)), VLLMOptions())
    assert "tokenizer:" in caught.value.hint
    check(ModelSpec(backend="vllm", model=str(gguf)), VLLMOptions(tokenizer=str(tmp_path)))


# -- the worker protocol, against the fake vllm in a real worker process ------------------------------------------

def fake_backend(model_dir: str, **options):
    from synthloom.backends.vllm.backend import create

    env = {"PYTHONPATH": str(FAKE_VLLM), **options.pop("env", {})}
    return create(ModelSpec(backend="vllm", model=model_dir, python=sys.executable, env=env, **options))


@pytest.fixture
def fake(tiny_model_dir):
    backend = fake_backend(str(tiny_model_dir), max_model_len=300, startup_timeout_s=120)
    yield backend
    backend.close()


def alive(pid: int) -> bool:
    """Running (a zombie, dead but not yet reaped by its parent, is not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def ends_within(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    return not alive(pid)


def exits_within(child: int, seconds: float) -> bool:
    """Whether our child process has exited, all its threads included: a killed multi-threaded process shows as a
    zombie while its other threads still exit, and only then can its parent collect it. WNOWAIT leaves it to be
    collected by the code under test."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if os.waitid(os.P_PID, child, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None:
            return True
        time.sleep(0.1)
    return False


def test_whole_batches_reach_the_engine_with_per_request_parameters(fake):
    image = Image.from_bytes(b"\x89PNG", mime="image/png")
    requests = [
        GenerateRequest(prompt="The quick brown fox", n=2, temperature=0.9, seed=3),
        GenerateRequest(messages=[ChatMessage(role="user", content="Hi")], json_schema={"type": "object"}),
        GenerateRequest(messages=[ChatMessage(role="user", content="What is this?", images=[image])]),
        GenerateRequest(prompt="greedy", n=2),
        GenerateRequest(prompt="the cat sat on the mat " * 10, max_tokens=260),
    ]
    responses = asyncio.run(fake.generate(requests))

    assert responses[0].texts() == ["batch of 3, sample 0", "batch of 3, sample 1"]  # three text prompts at once
    assert responses[0].completion_tokens == 3
    assert responses[1].generations[0].schema_error  # not JSON: checked after decoding too
    assert responses[2].texts() == ["batch of 1, sample 0"]  # the chat with an image, through LLM.chat
    assert "identical greedy completions" in responses[3].error
    assert responses[4].truncated_prompt and responses[4].prompt_tokens == 300 - 260
    assert fake.engine.info["max_model_len"] == 300 and fake.id == f"vllm:{fake.model}:auto"


def test_scoring_reads_prompt_logprobs_of_the_scored_tokens(fake):
    responses = asyncio.run(fake.score([ScoreRequest(prefix="The quick", continuation=" brown fox"),
                                        ScoreRequest(input_ids=[2, 5, 6], target_start=1, max_length=2)]))
    ids = fake.tokenizer("The quick brown fox")["input_ids"]
    scored = ids[len(fake.tokenizer("The quick")["input_ids"]):]
    assert responses[0].tokens == [f"<{t}>" for t in scored]
    assert responses[0].logprobs == pytest.approx([-t / 100 for t in scored])
    assert (responses[1].tokens, responses[1].truncated) == (["<5>"], True)


def test_a_request_the_engine_refuses_fails_alone(fake):
    requests = [GenerateRequest(prompt=f"p{i}", stop=["@refuse"] if i == 5 else []) for i in range(8)]
    responses = asyncio.run(fake.generate(requests))
    assert "vLLM refused the request: ValueError: Grammar error" in responses[5].error
    others = [r.texts()[0] for i, r in enumerate(responses) if i != 5]
    # halved until the bad request was alone: the rest still went in batches (4, then 2 and 1 beside it)
    assert others == ["batch of 4, sample 0"] * 4 + ["batch of 1, sample 0", "batch of 2, sample 0",
                                                     "batch of 2, sample 0"]


def test_an_engine_that_dies_mid_batch_fails_that_batch_and_restarts_for_the_next(fake):
    asyncio.run(fake.generate([GenerateRequest(prompt="warm up")]))
    first_pid = fake.engine.info["pid"]
    died = asyncio.run(fake.generate([GenerateRequest(prompt="a"), GenerateRequest(prompt="b", stop=["@die"])]))
    for response in died:
        assert response.generations == [] and "vLLM's engine process exited with code 9 while a generate batch of 2" \
            in response.error
        assert "vLLM's log is" in response.error
    assert not alive(first_pid)
    again = asyncio.run(fake.generate([GenerateRequest(prompt="a")]))
    assert again[0].texts() == ["batch of 1, sample 0"] and fake.engine.info["pid"] != first_pid
    second_pid = fake.engine.info["pid"]
    os.kill(second_pid, signal.SIGKILL)  # dies while idle: replaced before the next batch, which does not fail
    assert exits_within(second_pid, 10)
    assert asyncio.run(fake.generate([GenerateRequest(prompt="a")]))[0].error is None


def test_a_model_vllm_cannot_load_is_a_config_error_naming_it(tmp_path):
    folder = tmp_path / "unsupported-model"
    folder.mkdir()
    backend = fake_backend(str(folder), startup_timeout_s=120)
    try:
        with pytest.raises(ConfigError, match="vLLM could not load model .*unsupported-model.*not supported") as caught:
            asyncio.run(backend.generate([GenerateRequest(prompt="x")]))
        assert "use the transformers backend" in caught.value.hint
    finally:
        backend.close()


def test_backends_with_the_same_settings_share_one_engine(tiny_model_dir):
    first, second = fake_backend(str(tiny_model_dir)), fake_backend(str(tiny_model_dir))
    other = fake_backend(str(tiny_model_dir), seed=1)
    try:
        assert first.engine is second.engine and other.engine is not first.engine
        asyncio.run(first.generate([GenerateRequest(prompt="x")]))
        pid = first.engine.info["pid"]
        first.close()
        first.close()  # idempotent: still one user left
        assert alive(pid) and asyncio.run(second.generate([GenerateRequest(prompt="y")]))[0].error is None
        second.close()
        assert ends_within(pid, 10)
    finally:
        other.close()


def test_a_killed_campaign_leaves_no_engine_behind(tiny_model_dir, tmp_path):
    script = tmp_path / "campaign.py"
    script.write_text(textwrap.dedent(f"""
        import asyncio, sys
        sys.path.insert(0, {str(Path(__file__).parents[2])!r})
        from tests.backends.test_vllm_backend import fake_backend
        from synthloom.backends.base import GenerateRequest
        backend = fake_backend({str(tiny_model_dir)!r})
        asyncio.run(backend.generate([GenerateRequest(prompt="x")]))
        print(backend.engine.info["pid"], flush=True)
        sys.stdin.read()
    """))
    process = subprocess.Popen([sys.executable, str(script)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               text=True)
    try:
        pid = int(process.stdout.readline())
        assert alive(pid)
        process.send_signal(signal.SIGKILL)  # no close(), no atexit: the worker notices its parent is gone
        process.wait()
        assert ends_within(pid, 15)
    finally:
        process.kill()


def test_a_campaign_goes_on_after_the_engine_died_under_one_batch(tiny_model_dir, tmp_path):
    import yaml

    import synthloom

    (tmp_path / "prompts.jsonl").write_text("".join(f'{{"instruction": "item {i}"}}\n' for i in range(6)))
    marker = tmp_path / "die-once"
    marker.touch()  # the fake engine dies at its first generate call, and deletes the marker
    spec = {"name": "dies-once", "store": "run.duckdb", "models": {"default": {
                "backend": "vllm", "model": str(tiny_model_dir), "python": sys.executable, "max_model_len": 300,
                "env": {"PYTHONPATH": str(FAKE_VLLM), "FAKE_VLLM_DIE_FILE": str(marker)}}},
            "agents": [{"name": "load", "use": "basic.load_jsonl", "with": {"path": "prompts.jsonl"}},
                       {"name": "generate", "use": "basic.generate", "batch_size": 2, "with": {"max_tokens": 8}}]}
    (tmp_path / "campaign.yaml").write_text(yaml.safe_dump(spec))
    summary = synthloom.run_campaign(tmp_path / "campaign.yaml")
    generate = summary.agents["generate"]
    assert (generate.failed, generate.produced) == (2, 4) and summary.outcome == "finished_with_failures"
    _, errors = synthloom.query(tmp_path / "run.duckdb", "SELECT error FROM failure")
    assert len(errors) == 2 and all("vLLM's engine process" in error for error, in errors)


def test_models_info_says_which_python_runs_the_engine(monkeypatch, tmp_path):
    from click.testing import CliRunner

    from synthloom.backends.cli import models

    monkeypatch.setenv("SYNTHLOOM_VLLM_ENV", str(tmp_path / "vllm-env"))
    (tmp_path / "vllm-env" / "bin").mkdir(parents=True)
    (tmp_path / "vllm-env" / "bin" / "python").touch()
    result = CliRunner().invoke(models, ["info", "--model", "vllm:embedded", "-o", "dtype=float32"],
                                env={"COLUMNS": "300"})  # long paths would be cut at 80 columns
    assert result.exit_code == 0 and "vllm:embedded:float32" in result.output
    assert f"engine python   {tmp_path / 'vllm-env' / 'bin' / 'python'}" in result.output


def test_serve_refuses_a_model_that_does_not_exist():
    from click.testing import CliRunner

    from synthloom.backends.cli import models

    with pytest.raises(ConfigError, match="does not exist"):
        CliRunner().invoke(models, ["serve", "--model", "/no/such/model"], catch_exceptions=False)
