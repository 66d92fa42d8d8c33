"""The litellm backend over real HTTP against a local server that injects faults."""

from __future__ import annotations

import asyncio
import time

import pytest
from aiohttp import web
from tests.backends.fake_openai_server import FakeOpenAIServer

from synthloom.backends.base import ChatMessage, GenerateRequest, ModelSpec, ScoreRequest
from synthloom.backends.litellm.backend import create
from synthloom.errors import BackendError, CannotScoreError, ConfigError


def backend(server, **options):
    options = {"api_base": server.url, "backoff_s": 0.01, "timeout_s": 1.0, "max_retries": 3, **options}
    return create(ModelSpec(backend="litellm", model="hosted_vllm/fake", **options))


def chat(text: str, **kwargs) -> GenerateRequest:
    return GenerateRequest(messages=[ChatMessage(role="user", content=text)], **kwargs)


def run(coro):
    return asyncio.run(coro)


def test_every_request_gets_exactly_one_answer_despite_faults(server):
    prompts = ["plain a", "fault=429*1 b", "fault=500*2 c", "fault=malformed*1 d", "fault=drop*1 e",
               "fault=slow*1 f", "plain g"] + [f"bulk {i}" for i in range(40)]
    requests = [chat(p) for p in prompts]
    started = time.perf_counter()
    responses = run(backend(server).generate(requests))
    elapsed = time.perf_counter() - started

    assert [r.error for r in responses] == [None] * len(prompts)
    assert [r.texts() for r in responses] == [[f"echo[0]: {p}"] for p in prompts]
    expected_attempts = {p: 1 for p in prompts} | {"fault=429*1 b": 2, "fault=500*2 c": 3,
                                                    "fault=malformed*1 d": 2, "fault=drop*1 e": 2,
                                                    "fault=slow*1 f": 2}
    assert dict(server.attempts) == expected_attempts
    assert elapsed >= 1.0  # the slow attempt was cut at timeout_s=1 and retried
    assert elapsed < 3.0  # ... rather than waited for (it answers after 3 s)


def test_retry_after_is_honoured(server):
    started = time.perf_counter()
    [response] = run(backend(server, backoff_s=0.0).generate([chat("fault=429*2 x")]))
    assert response.error is None
    assert time.perf_counter() - started >= 0.6  # two waits of Retry-After: 0.3
    assert server.attempts["fault=429*2 x"] == 3


def test_retries_run_out_into_an_item_error(server):
    responses = run(backend(server, max_retries=2).generate([chat("fault=500 always"), chat("fine")]))
    assert responses[0].generations == [] and "gave up after 3 attempts" in responses[0].error
    assert "HTTP 500" in responses[0].error
    assert responses[1].texts() == ["echo[0]: fine"]
    assert server.attempts["fault=500 always"] == 3


def test_a_server_that_never_answers_times_out_without_hanging(server):
    started = time.perf_counter()
    responses = run(backend(server, timeout_s=0.3, max_retries=1).generate([chat("fault=hang"), chat("ok")]))
    assert time.perf_counter() - started < 2.0
    assert "no answer within timeout_s=0.3" in responses[0].error
    assert server.attempts["fault=hang"] == 2
    assert responses[1].error is None


def test_cancelling_a_batch_is_prompt_and_leaves_no_tasks(server):
    async def scenario():
        model = backend(server, timeout_s=30)
        batch = asyncio.create_task(model.generate([chat(f"fault=hang {i}") for i in range(5)] + [chat("ok")]))
        await asyncio.sleep(0.3)
        started = time.perf_counter()
        batch.cancel()
        with pytest.raises(asyncio.CancelledError):
            await batch
        assert time.perf_counter() - started < 0.5
        return [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]

    assert run(scenario()) == []


def test_n_samples_sampling_parameters_and_usage(server):
    request = chat("many", n=3, temperature=0.7, top_p=0.9, max_tokens=12, stop=["\n"], seed=5)
    [response] = run(backend(server).generate([request]))
    assert response.texts() == ["echo[0]: many", "echo[1]: many", "echo[2]: many"]
    assert (response.prompt_tokens, response.completion_tokens) == (1, 9)
    assert response.cost is None  # self-hosted
    assert response.latency_ms > 0
    sent = server.bodies[-1]
    assert {k: sent[k] for k in ("model", "n", "temperature", "top_p", "max_tokens", "stop", "seed")} == {
        "model": "fake", "n": 3, "temperature": 0.7, "top_p": 0.9, "max_tokens": 12, "stop": ["\n"], "seed": 5}


def test_plain_prompts_use_the_completions_endpoint(server):
    [response] = run(backend(server).generate([GenerateRequest(prompt="once upon")]))
    assert response.texts() == ["echo[0]: once upon"]
    assert "prompt" in server.bodies[-1] and "messages" not in server.bodies[-1]


def test_json_schema_is_sent_and_checked(server):
    schema = {"type": "object", "properties": {"answer": {"type": "string"}}, "required": ["answer"]}
    bad_schema = {"type": "object", "required": ["missing"]}
    responses = run(backend(server).generate([chat("q", json_schema=schema), chat("q2", json_schema=bad_schema)]))
    assert server.bodies[0]["response_format"]["json_schema"]["schema"] in (schema, bad_schema)
    assert responses[0].generations[0].parsed == {"answer": "q", "index": 0}
    assert responses[1].generations[0].parsed is None
    assert "'missing' is a required property" in responses[1].generations[0].schema_error


def test_litellm_transport_takes_the_same_faults(server):
    model = backend(server, transport="litellm")
    prompts = ["fault=429*1 a", "fault=500*1 b", "fault=drop*1 c", "ok d"]
    responses = run(model.generate([chat(p) for p in prompts] + [GenerateRequest(prompt="text e")]))
    assert [r.texts() for r in responses] == [[f"echo[0]: {p}"] for p in prompts + ["text e"]]
    assert [server.attempts[p] for p in prompts] == [2, 2, 2, 1]


class UnauthorizedServer(FakeOpenAIServer):
    async def _chat(self, request: web.Request) -> web.StreamResponse:
        self.attempts[request.path] += 1
        return web.json_response({"error": {"message": "bad key"}}, status=401)


def test_bad_api_key_fails_the_whole_batch():
    locked = UnauthorizedServer().start()
    try:
        with pytest.raises(BackendError, match="authentication failed"):
            run(backend(locked).generate([chat("a"), chat("b")]))
    finally:
        locked.stop()
    assert locked.attempts["/v1/chat/completions"] <= 2  # not retried


@pytest.mark.parametrize("transport", ["http", "litellm"])
def test_scoring_through_echoed_logprobs(server, transport):
    model = backend(server, transport=transport)
    text_form = ScoreRequest(prefix="the cat", continuation=" sat on the mat")
    token_form = ScoreRequest(input_ids=[5, 6, 7, 8], target_start=2)
    cut = ScoreRequest(prefix="a b", continuation=" c d e", max_length=4)
    responses = run(model.score([text_form, token_form, cut]))
    assert responses[0].tokens == [" sat", " on", " the", " mat"]
    assert responses[0].logprobs == pytest.approx([-0.4, -0.3, -0.4, -0.4])
    assert responses[1].tokens == ["<7>", "<8>"] and responses[1].logprobs == pytest.approx([-0.3, -0.3])
    assert (responses[2].tokens, responses[2].truncated) == ([" c", " d"], True)
    assert all(b["echo"] and b["logprobs"] == 1 for b in server.bodies)


def test_scoring_is_refused_where_not_configured(server):
    model = create(ModelSpec(backend="litellm", model="openai/gpt-4o-mini"))
    assert not model.can_score
    with pytest.raises(CannotScoreError, match="not set up for scoring"):
        run(model.score([ScoreRequest(prefix="a", continuation="b")]))


def test_missing_credentials_fail_the_batch_up_front(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    model = create(ModelSpec(backend="litellm", model="openai/gpt-4o-mini"))
    with pytest.raises(ConfigError, match="OPENAI_API_KEY not set"):
        run(model.generate([chat("a")]))


@pytest.mark.parametrize("options, message", [
    ({"concurency": 3}, "concurency: unknown option"),
    ({"scoring": True}, "scoring with model 'openai/gpt-4o-mini' needs `api_base`"),
    ({"timeout_s": -1}, "timeout_s: Input should be greater than 0"),
    ({"transport": "http"}, "needs `api_base`"),
])
def test_bad_options_are_config_errors(options, message):
    with pytest.raises(ConfigError, match=message):
        create(ModelSpec(backend="litellm", model="openai/gpt-4o-mini", **options))


def test_model_without_provider_is_a_config_error():
    with pytest.raises(ConfigError, match="no provider prefix"):
        create(ModelSpec(backend="litellm", model="gpt-4o-mini"))


def test_hosted_models_are_priced_by_litellm(monkeypatch):
    """litellm's `mock_response` answers without a network call but still prices the call by its cost map."""
    from synthloom.backends.litellm.transport import LiteLLMTransport

    original = LiteLLMTransport.__init__

    def mocked(self, *args, **kwargs):
        original(self, *args, **kwargs)
        self.common["mock_response"] = "a mocked answer"

    monkeypatch.setattr(LiteLLMTransport, "__init__", mocked)
    model = create(ModelSpec(backend="litellm", model="openai/gpt-4o-mini", api_key="sk-test"))
    assert model.transport == "litellm" and not model.self_hosted
    [response] = run(model.generate([chat("price me", max_tokens=5)]))
    assert response.texts() == ["a mocked answer"]
    assert response.cost is not None and response.cost > 0
    assert response.prompt_tokens > 0 and response.completion_tokens > 0
