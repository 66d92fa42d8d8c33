"""The vLLM backend without vLLM: the pure request/response mapping, and the engine flow against a fake `vllm`."""

from __future__ import annotations

import asyncio
import sys
import types
from dataclasses import dataclass, field
from typing import Any

import pytest

from synthloom.backends.base import ChatMessage, GenerateRequest, ModelSpec, ScoreRequest
from synthloom.backends.scoring import ScoreSpan
from synthloom.backends.vllm_wire import (
    parse_prompt_logprobs,
    parse_request_output,
    sampling_kwargs,
    structured_outputs_kwargs,
)
from synthloom.errors import ConfigError
from synthloom.messages import Image


# -- duck-typed stand-ins for vLLM's output types (vllm.outputs, vllm.logprobs) -------------------------------

@dataclass
class Logprob:
    logprob: float
    rank: int | None = None
    decoded_token: str | None = None


@dataclass
class CompletionOutput:
    index: int
    text: str
    token_ids: list[int]
    finish_reason: str | None = "stop"


@dataclass
class RequestOutput:
    prompt_token_ids: list[int]
    outputs: list[CompletionOutput] = field(default_factory=list)
    prompt_logprobs: list[dict[int, Logprob] | None] | None = None


def test_sampling_parameters_map_one_to_one():
    request = GenerateRequest(prompt="p", n=3, temperature=0.7, top_p=0.8, max_tokens=9, stop=["END"], seed=4)
    assert sampling_kwargs(request, ("\nUser:",)) == {
        "n": 3, "temperature": 0.7, "top_p": 0.8, "max_tokens": 9, "stop": ["END", "\nUser:"], "seed": 4}


def test_structured_outputs_use_the_api_of_the_installed_version():
    schema = {"type": "object"}
    new = types.SimpleNamespace(StructuredOutputsParams=lambda json: ("structured", json))
    old = types.SimpleNamespace(GuidedDecodingParams=lambda json: ("guided", json))
    assert structured_outputs_kwargs(schema, new) == {"structured_outputs": ("structured", schema)}
    assert structured_outputs_kwargs(schema, old) == {"guided_decoding": ("guided", schema)}
    assert structured_outputs_kwargs(None, new) == {}


def test_request_outputs_become_responses_in_sample_order():
    output = RequestOutput(prompt_token_ids=[1, 2, 3], outputs=[
        CompletionOutput(index=1, text='{"a": 1}', token_ids=[5, 6], finish_reason="length"),
        CompletionOutput(index=0, text='{"a": "x"}', token_ids=[7]),
    ])
    request = GenerateRequest(prompt="p", n=2, temperature=1, json_schema={"properties": {"a": {"type": "integer"}}})
    response = parse_request_output(output, request, truncated_prompt=True, latency_ms=5.0)
    assert response.texts() == ['{"a": "x"}', '{"a": 1}']
    assert [g.finish_reason for g in response.generations] == ["stop", "length"]
    assert response.generations[0].schema_error and response.generations[1].parsed == {"a": 1}
    assert (response.prompt_tokens, response.completion_tokens, response.cost) == (3, 3, None)
    assert response.truncated_prompt


def test_prompt_logprobs_are_read_for_the_scored_positions_only():
    ids = [2, 10, 11, 12]
    entries = [None] + [{t: Logprob(-0.1 * t, 1, f"<{t}>"), 99: Logprob(-0.01, 1, "top")} for t in ids[1:]]
    response = parse_prompt_logprobs(RequestOutput(prompt_token_ids=ids, prompt_logprobs=entries),
                                     ScoreSpan(input_ids=ids, first=2, truncated=True), latency_ms=1.0)
    assert response.tokens == ["<11>", "<12>"]
    assert response.logprobs == pytest.approx([-1.1, -1.2])
    assert response.truncated


def test_missing_vllm_says_how_to_install_it(monkeypatch):
    from synthloom.backends.vllm_backend import create

    monkeypatch.setitem(sys.modules, "vllm", None)
    with pytest.raises(ConfigError, match=r"pip install synthloom\[vllm\] on a GPU machine"):
        create(ModelSpec(backend="vllm", model="some/model"))


# -- the engine flow against a fake vllm module ----------------------------------------------------------------

class FakeLLM:
    instances: list["FakeLLM"] = []

    def __init__(self, tokenizer: Any, **kwargs: Any) -> None:
        self.kwargs = kwargs
        self.tokenizer = tokenizer
        self.llm_engine = types.SimpleNamespace(model_config=types.SimpleNamespace(max_model_len=300))
        self.calls: list[tuple[str, list[Any], Any]] = []
        FakeLLM.instances.append(self)

    def get_tokenizer(self) -> Any:
        return self.tokenizer

    def generate(self, prompts, sampling_params, use_tqdm):
        self.calls.append(("generate", prompts, sampling_params))
        if not isinstance(sampling_params, list):  # scoring: one shared SamplingParams with prompt_logprobs
            return [RequestOutput(prompt_token_ids=p["prompt_token_ids"], prompt_logprobs=[None] + [
                {t: Logprob(-1.0, 1, f"<{t}>")} for t in p["prompt_token_ids"][1:]]) for p in prompts]
        return [self._answer(p["prompt_token_ids"], s) for p, s in zip(prompts, sampling_params)]

    def chat(self, messages, sampling_params, use_tqdm):
        self.calls.append(("chat", messages, sampling_params))
        return [self._answer([1, 2], s) for s in sampling_params]

    @staticmethod
    def _answer(prompt_ids, params):
        return RequestOutput(prompt_token_ids=prompt_ids, outputs=[
            CompletionOutput(index=i, text=f"sample {i}", token_ids=[7, 8]) for i in range(params.kwargs["n"])])


@pytest.fixture
def fake_vllm(monkeypatch, tiny_backend):
    class SamplingParams:
        def __init__(self, **kwargs):
            self.kwargs = kwargs

    module = types.ModuleType("vllm")
    module.LLM = lambda **kwargs: FakeLLM(tiny_backend.tokenizer, **kwargs)
    module.SamplingParams = SamplingParams
    module.sampling_params = types.SimpleNamespace(StructuredOutputsParams=lambda json: {"json": json})
    monkeypatch.setitem(sys.modules, "vllm", module)
    from synthloom.backends.vllm_backend import create

    backend = create(ModelSpec(backend="vllm", model=tiny_backend.model.name_or_path, tensor_parallel_size=2))
    return backend, FakeLLM.instances[-1]


def test_engine_gets_whole_batches_with_per_request_parameters(fake_vllm):
    backend, llm = fake_vllm
    image = Image.from_bytes(b"\x89PNG", mime="image/png")
    requests = [
        GenerateRequest(prompt="The quick brown fox", n=2, temperature=0.9, seed=3),
        GenerateRequest(messages=[ChatMessage(role="user", content="Hi")], json_schema={"type": "object"}),
        GenerateRequest(messages=[ChatMessage(role="user", content="What is this?", images=[image])]),
        GenerateRequest(prompt="greedy", n=2),
        GenerateRequest(prompt="the cat sat on the mat " * 10, max_tokens=260),
    ]
    responses = asyncio.run(backend.generate(requests))

    assert llm.kwargs["tensor_parallel_size"] == 2 and backend.id.startswith("vllm:")
    (kind, prompts, params), (chat_kind, conversations, chat_params) = llm.calls
    assert (kind, chat_kind) == ("generate", "chat")
    assert len(prompts) == 3  # one batch: the plain prompt, the text chat and the long prompt
    assert params[0].kwargs | {"stop": None} == {"n": 2, "temperature": 0.9, "top_p": 1.0, "max_tokens": 256,
                                                 "stop": None, "seed": 3}
    assert params[1].kwargs["stop"] == ["\nUser:"]  # the plain chat template's turn stop
    assert params[1].kwargs["structured_outputs"] == {"json": {"type": "object"}}
    assert conversations[0][0]["content"][1]["image_url"]["url"].startswith("data:image/png;base64,")
    assert responses[0].texts() == ["sample 0", "sample 1"]
    assert "identical greedy completions" in responses[3].error
    assert responses[4].truncated_prompt and len(prompts[2]["prompt_token_ids"]) == 300 - 260
    assert responses[1].generations[0].schema_error  # "sample 0" is not JSON: checked after decoding too


def test_engine_scores_with_prompt_logprobs(fake_vllm):
    backend, llm = fake_vllm
    responses = asyncio.run(backend.score([ScoreRequest(prefix="The quick", continuation=" brown fox"),
                                           ScoreRequest(input_ids=[2, 5, 6], target_start=1, max_length=2)]))
    (_, prompts, params), = llm.calls
    assert params.kwargs == {"max_tokens": 1, "temperature": 0.0, "prompt_logprobs": 0}
    ids = backend.tokenizer("The quick brown fox")["input_ids"]
    assert prompts[0]["prompt_token_ids"] == ids
    assert responses[0].logprobs == [-1.0] * len(responses[0].tokens) and responses[0].tokens
    assert (responses[1].tokens, responses[1].truncated) == (["<5>"], True)
