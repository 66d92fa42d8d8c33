"""The transformers backend on a tiny random Gemma 3: batching, sampling, stops, truncation, chunked scoring."""

from __future__ import annotations

import asyncio
import threading

import pytest

from synthloom.backends.base import ChatMessage, GenerateRequest, ModelSpec, ScoreRequest
from synthloom.backends.chat_template import plain_chat_prompt
from synthloom.backends.transformers.backend import create
from synthloom.errors import ConfigError
from synthloom.messages import Image


def run(coro):
    return asyncio.run(coro)


def prompt(text: str, **kwargs) -> GenerateRequest:
    return GenerateRequest(prompt=text, **kwargs)


def test_greedy_batched_equals_one_at_a_time(tiny_backend):
    requests = [prompt("The quick brown fox", max_tokens=8), prompt("Paris", max_tokens=5),
                prompt("Once upon a time there was a cat", max_tokens=12)]
    batched = run(tiny_backend.generate(requests))
    single = [run(tiny_backend.generate([r]))[0] for r in requests]
    assert [r.texts() for r in batched] == [r.texts() for r in single]
    assert [r.completion_tokens for r in batched] == [8, 5, 12]  # random weights never pick EOS this early
    assert [r.prompt_tokens for r in batched] == [r.prompt_tokens for r in single]
    assert all(r.generations[0].finish_reason == "length" for r in batched)


def test_seeded_samples_do_not_depend_on_the_batch(tiny_backend):
    sampled = prompt("Once upon a time", n=3, temperature=1.0, top_p=0.9, max_tokens=10, seed=7)
    alone = run(tiny_backend.generate([sampled]))[0]
    crowded = run(tiny_backend.generate([prompt("The quick", max_tokens=4), sampled,
                                         prompt("x", n=2, temperature=0.5, max_tokens=3, seed=1)]))[1]
    assert alone.texts() == crowded.texts()
    assert len(set(alone.texts())) == 3  # three different samples
    other_seed = run(tiny_backend.generate([sampled.model_copy(update={"seed": 8})]))[0]
    assert other_seed.texts() != alone.texts()
    assert alone.completion_tokens == 30


def test_n_above_one_at_temperature_zero_fails_the_item(tiny_backend):
    bad, good = run(tiny_backend.generate([prompt("a", n=2), prompt("b", max_tokens=2)]))
    assert bad.generations == [] and "identical greedy completions" in bad.error
    assert good.error is None


def test_stop_strings_cut_the_text(tiny_backend):
    [free] = run(tiny_backend.generate([prompt("The quick brown fox", max_tokens=20)]))
    text = free.texts()[0]
    stop = text[len(text) // 2:len(text) // 2 + 3]
    [stopped] = run(tiny_backend.generate([prompt("The quick brown fox", max_tokens=20, stop=[stop])]))
    assert stopped.texts()[0] == text[:text.find(stop)]
    assert stopped.generations[0].finish_reason == "stop"
    assert stopped.completion_tokens < 20


def test_chat_uses_the_plain_template_without_a_chat_template(tiny_backend):
    messages = [ChatMessage(role="system", content="Be brief."), ChatMessage(role="user", content="Hi")]
    [response] = run(tiny_backend.generate([GenerateRequest(messages=messages, max_tokens=3)]))
    assert plain_chat_prompt(messages) == "System: Be brief.\nUser: Hi\nAssistant:"
    expected = len(tiny_backend.tokenizer(plain_chat_prompt(messages))["input_ids"])
    assert response.prompt_tokens == expected


def test_images_fail_the_item(tiny_backend):
    image = Image.from_bytes(b"\x89PNG")
    request = GenerateRequest(messages=[ChatMessage(role="user", content="look", images=[image])])
    [response] = run(tiny_backend.generate([request]))
    assert "takes no images" in response.error


def test_json_schema_is_checked_after_generation(tiny_backend):
    [response] = run(tiny_backend.generate([prompt("{", max_tokens=4, json_schema={"type": "object"})]))
    assert response.generations[0].parsed is None
    assert response.generations[0].schema_error


def test_long_prompts_keep_bos_and_their_end(tiny_backend):
    text = " ".join(["the cat sat on the mat"] * 40)
    ids = tiny_backend.tokenizer(text)["input_ids"]
    assert len(ids) > tiny_backend.max_context
    [response] = run(tiny_backend.generate([prompt(text, max_tokens=8)]))
    assert response.truncated_prompt and response.error is None
    assert response.prompt_tokens == tiny_backend.max_context - 8
    kept = tiny_backend._prompt_ids(prompt(text, max_tokens=8))[0]
    assert kept[0] == tiny_backend.tokenizer.bos_token_id and kept[1:] == ids[-(len(kept) - 1):]


def test_long_prompts_fail_the_item_when_asked(tiny_model_dir):
    strict = create(ModelSpec(model=str(tiny_model_dir), dtype="float32", on_long_prompt="error"))
    [response] = run(strict.generate([prompt("the cat " * 100, max_tokens=8)]))
    assert "only 120 fit the context of 128" in response.error


def test_cancelling_stops_the_worker_thread_at_its_next_token(tiny_backend, monkeypatch):
    started, lengths = threading.Event(), []
    generate = tiny_backend.model.generate

    def observed(**kwargs):
        started.set()
        output = generate(**kwargs)
        lengths.append(output.shape[1] - kwargs["input_ids"].shape[1])
        return output

    monkeypatch.setattr(tiny_backend.model, "generate", observed)

    async def scenario() -> None:
        batch = asyncio.create_task(tiny_backend.generate([prompt("The quick", max_tokens=120)] * 16))
        await asyncio.to_thread(started.wait, 30)
        batch.cancel()
        with pytest.raises(asyncio.CancelledError):
            await batch
        await tiny_backend.generate([prompt("next", max_tokens=1)])  # waits for the lock: the thread is done

    run(scenario())
    assert len(lengths) == 2  # the cancelled batch's first of four generate calls, then "next"
    assert lengths[0] < 120


def naive_logprobs(backend, ids: list[int]) -> list[float]:
    """Reference: full logits from the model's own forward, log-softmax in float32."""
    import torch

    with torch.inference_mode():
        logits = backend.model(input_ids=torch.tensor([ids], device=backend.model.device)).logits[0].float()
    logprobs = logits.log_softmax(-1)
    return [float(logprobs[p - 1, ids[p]]) for p in range(1, len(ids))]


def test_chunked_scores_equal_naive_full_logits_with_softcapping(tiny_backend):
    assert tiny_backend.softcap == 30.0
    requests = [ScoreRequest(prefix="The quick brown", continuation=" fox jumps over the lazy dog."),
                ScoreRequest(prefix="Paris is", continuation=" the capital"),
                ScoreRequest(input_ids=[2, 50, 60, 70, 80, 90], target_start=3),
                ScoreRequest(prefix="", continuation="Once upon a time")]
    responses = run(tiny_backend.score(requests))
    tokenizer = tiny_backend.tokenizer
    for request, response in zip(requests, responses):
        ids = request.input_ids or tokenizer(request.prefix + request.continuation)["input_ids"]
        reference = naive_logprobs(tiny_backend, ids)
        count = len(response.logprobs)
        assert count > 0 and response.logprobs == pytest.approx(reference[-count:], abs=1e-4)
        assert response.tokens == tokenizer.convert_ids_to_tokens(ids[-count:])
    assert tokenizer.convert_tokens_to_string(responses[0].tokens) == " fox jumps over the lazy dog."
    assert len(responses[2].logprobs) == 3
    assert tokenizer.convert_tokens_to_string(responses[3].tokens) == "Once upon a time"  # BOS is not scored


def test_score_truncation_keeps_the_first_max_length_tokens(tiny_backend):
    request = ScoreRequest(prefix="The quick", continuation=" brown fox jumps over the lazy dog", max_length=6)
    [response] = run(tiny_backend.score([request]))
    ids = tiny_backend.tokenizer("The quick brown fox jumps over the lazy dog")["input_ids"][:6]
    prefix_len = len(tiny_backend.tokenizer("The quick")["input_ids"])
    assert response.truncated
    assert response.logprobs == pytest.approx(naive_logprobs(tiny_backend, ids)[prefix_len - 1:], abs=1e-4)


def test_a_continuation_inside_the_prefix_token_scores_nothing(tiny_backend):
    # the tokenizer makes "the cat" <bos> t he Ġcat: the last token starts before the end of "the ca"
    [response] = run(tiny_backend.score([ScoreRequest(prefix="the ca", continuation="t")]))
    assert (response.tokens, response.logprobs, response.error) == ([], [], None)


@pytest.mark.parametrize("options, message", [
    ({"dtype": "float16"}, "dtype: Input should be"),
    ({"batchsize": 3}, "batchsize: unknown option"),
])
def test_bad_options_are_config_errors(tiny_model_dir, options, message):
    with pytest.raises(ConfigError, match=message):
        create(ModelSpec(model=str(tiny_model_dir), **options))


def test_missing_model_path_is_a_config_error(tmp_path):
    missing = tmp_path / "no-such-model"
    with pytest.raises(ConfigError, match=f"model path '{missing}' does not exist"):
        create(ModelSpec(model=str(missing)))
