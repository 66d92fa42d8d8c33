"""Constrained decoding (`json_schema`, `regex`, `choice`): grammar masking per row on the transformers backend,
the check every backend's replies get afterwards, and the litellm mapping (`response_format`, vLLM's
`structured_outputs`, `structured: enforce | validate`)."""

from __future__ import annotations

import asyncio
import json
import logging

import jsonschema
import pytest

from synthloom.backends.base import ChatMessage, GenerateRequest, Generation, ModelSpec
from synthloom.backends.litellm.backend import create as create_litellm
from synthloom.backends.litellm.structured import StructuredSupport, constraint_fields
from synthloom.backends.schema_check import check_generation
from synthloom.backends.transformers.backend import create
from synthloom.backends.vllm.wire import parse_output
from synthloom.errors import ConfigError

ANSWER = {"type": "object", "properties": {"answer": {"enum": ["yes", "no"]},
                                           "score": {"type": "integer", "minimum": 0, "maximum": 9}},
          "required": ["answer", "score"], "additionalProperties": False}
SCORE = r"Score: (10|[0-9])"
TRICKY_CHOICES = ["yes (sure)", "no|never", "a.b", 'qu"ote', "tab\there"]
VERIFIER = {"type": "object", "properties": {
    "func": {"type": "string", "pattern": "^def evaluate\\(response\\):"},
    "cases": {"type": "array", "minItems": 1, "maxItems": 3, "items": {
        "type": "object", "properties": {"input": {"type": "string"}, "output": {"type": "boolean"}},
        "required": ["input", "output"], "additionalProperties": False}}},
    "required": ["func", "cases"], "additionalProperties": False}


def run(coro):
    return asyncio.run(coro)


def prompt(text: str, **kwargs) -> GenerateRequest:
    return GenerateRequest(prompt=text, **kwargs)


def chat(text: str, **kwargs) -> GenerateRequest:
    return GenerateRequest(messages=[ChatMessage(role="user", content=text)], **kwargs)


# -- the transformers backend on a tiny random Gemma 3 -----------------------------------------------------------


def mixed_batch(constrained: bool) -> list[GenerateRequest]:
    def ask(**constraint):
        return constraint if constrained else {}

    return [prompt("The quick brown fox", max_tokens=40, **ask(json_schema=ANSWER)),
            prompt("Paris is the capital", max_tokens=12, **ask(regex=SCORE)),
            prompt("Once upon a time", max_tokens=10),
            prompt("Name a colour", max_tokens=12, **ask(choice=TRICKY_CHOICES))]


def test_each_row_of_a_mixed_batch_follows_its_own_constraint(tiny_backend):
    schema_row, regex_row, free_row, choice_row = run(tiny_backend.generate(mixed_batch(constrained=True)))
    answer = schema_row.generations[0]
    jsonschema.validate(json.loads(answer.text), ANSWER)
    assert answer.parsed == json.loads(answer.text) and answer.schema_error is None and not answer.truncated
    assert regex_row.generations[0].parsed == regex_row.texts()[0].strip()
    assert regex_row.texts()[0].startswith("Score: ") and regex_row.generations[0].finish_reason == "stop"
    assert choice_row.texts()[0] in TRICKY_CHOICES and choice_row.generations[0].parsed == choice_row.texts()[0]
    # the same batch without constraints: the unconstrained row decodes exactly as before, the others did not
    unconstrained = run(tiny_backend.generate(mixed_batch(constrained=False)))
    assert free_row.texts() == unconstrained[2].texts() and free_row.generations[0].parsed is None
    assert unconstrained[1].texts()[0] != regex_row.texts()[0]


def test_sampled_rows_keep_to_their_choices_and_their_seeds(tiny_backend):
    request = prompt("x", n=6, temperature=1.0, seed=11, max_tokens=12, choice=TRICKY_CHOICES)
    alone = run(tiny_backend.generate([request]))[0]
    crowded = run(tiny_backend.generate([prompt("y", max_tokens=3), request]))[1]
    assert all(text in TRICKY_CHOICES for text in alone.texts())
    assert len(set(alone.texts())) > 1 and alone.texts() == crowded.texts()


def test_every_choice_and_only_the_choices_can_be_decoded(tiny_backend):
    from synthloom.backends.transformers.grammar import GrammarEngine, grammar_source

    tokenizer = tiny_backend.tokenizer
    engine = GrammarEngine(tokenizer, tiny_backend.eos_ids)
    compiled = engine.compile(grammar_source(prompt("p", choice=TRICKY_CHOICES)))

    def accepts(text: str) -> bool:
        matcher = engine.matcher(compiled)
        ids = tokenizer(text, add_special_tokens=False)["input_ids"]
        return all(matcher.consume_token(t) for t in ids) and matcher.is_accepting()

    assert all(accepts(choice) for choice in TRICKY_CHOICES)
    assert not any(accepts(text) for text in ["yes", "no", "a-b", "tab here", "yes (sure)!"])


def test_a_reply_cut_by_max_tokens_is_flagged_truncated(tiny_backend):
    cut_json, cut_regex, complete_digits = run(tiny_backend.generate([
        prompt("The quick", max_tokens=3, json_schema=ANSWER),
        prompt("Paris", max_tokens=2, regex=SCORE),
        prompt("Paris", max_tokens=3, regex="[0-9]+")]))
    for response in (cut_json, cut_regex):
        generation = response.generations[0]
        assert generation.truncated and generation.finish_reason == "length" and generation.parsed is None
        assert generation.schema_error.startswith("the reply was cut before it was complete")
        assert response.completion_tokens in (2, 3)
    digits = complete_digits.generations[0]
    assert digits.finish_reason == "length" and not digits.truncated  # cut, but what it wrote is complete
    assert digits.parsed == digits.text and len(digits.text) >= 3


@pytest.mark.parametrize("constraint, message", [
    ({"regex": "(unclosed"}, "unclosed group"),
    ({"regex": r"[^\s\S]"}, "no text can match it"),
    ({"regex": r"(?<=a)b"}, "look-around"),
    ({"json_schema": {"type": "foo"}}, "Invalid type: foo"),
    ({"json_schema": {"type": "array", "uniqueItems": True}}, "Unimplemented keys"),
    ({"json_schema": {"type": "array", "minItems": 3, "maxItems": 1}}, "minItems"),
])
def test_a_constraint_the_library_cannot_use_fails_its_item_before_generation(tiny_backend, monkeypatch,
                                                                             constraint, message):
    calls = []
    generate = tiny_backend.model.generate
    monkeypatch.setattr(tiny_backend.model, "generate", lambda **kw: calls.append(kw) or generate(**kw))
    [bad] = run(tiny_backend.generate([prompt("p", max_tokens=4, **constraint)]))
    assert calls == [] and bad.generations == [] and message in bad.error
    kind = next(iter(constraint))
    shown = json.dumps(constraint[kind]) if kind == "json_schema" else repr(constraint[kind])
    assert f"{tiny_backend.id}: cannot decode under the {kind} {shown}: " in bad.error
    bad, good = run(tiny_backend.generate([prompt("p", max_tokens=4, **constraint),
                                           prompt("q", max_tokens=2, regex="[ab]+")]))
    assert bad.error and good.error is None and good.generations[0].parsed in {"a", "b", "aa", "ab", "ba", "bb"}


def test_the_grammar_tokenizer_is_set_up_once_on_the_first_constrained_request(tiny_model_dir, monkeypatch):
    from synthloom.backends.transformers import grammar

    built = []
    monkeypatch.setattr(grammar.GrammarEngine, "__init__",
                        lambda self, *a, __init=grammar.GrammarEngine.__init__: built.append(1) or __init(self, *a))
    backend = create(ModelSpec(model=str(tiny_model_dir), dtype="float32"))
    run(backend.generate([prompt("free", max_tokens=2)]))
    assert built == []
    run(backend.generate([prompt("a", max_tokens=2, regex="[ab]+"), prompt("b", max_tokens=2, choice=["x", "y"])]))
    run(backend.generate([prompt("c", max_tokens=2, json_schema=ANSWER)]))
    assert built == [1]
    backend.close()


# -- the check after decoding, on every backend --------------------------------------------------------------------


@pytest.mark.parametrize("text, constraint, parsed, error", [
    ("Score: 7", {"regex": SCORE}, "Score: 7", None),
    (" Score: 7\n", {"regex": SCORE}, "Score: 7", None),  # APIs that only check add whitespace
    ("Score: 11", {"regex": SCORE}, None, "does not match the regex"),
    ("neutral", {"choice": ["entailment", "neutral"]}, "neutral", None),
    ("Neutral.", {"choice": ["entailment", "neutral"]}, None, "not one of the 2 choices"),
    ("x", {"regex": "(?P<x"}, None, "does not compile in Python"),
])
def test_regex_and_choice_replies_are_checked(text, constraint, parsed, error):
    checked = check_generation(Generation(text=text, finish_reason="stop"), prompt("p", **constraint))
    assert checked.parsed == parsed and not checked.truncated
    assert (checked.schema_error is None) if error is None else (error in checked.schema_error)


def test_vllm_replies_are_checked_for_regex_and_choice_too():
    result = {"prompt_tokens": 3, "samples": [{"index": 0, "text": "Score: 4", "finish_reason": "stop", "tokens": 3},
                                              {"index": 1, "text": "Score", "finish_reason": "length", "tokens": 1}]}
    response = parse_output(result, prompt("p", n=2, temperature=1, regex=SCORE), truncated_prompt=False,
                            latency_ms=1.0)
    assert [g.parsed for g in response.generations] == ["Score: 4", None]
    assert [g.truncated for g in response.generations] == [False, True]
    [choice] = parse_output({"prompt_tokens": 1, "samples": [{"index": 0, "text": "maybe", "finish_reason": "stop",
                                                             "tokens": 1}]},
                            prompt("p", choice=["yes", "no"]), truncated_prompt=False, latency_ms=1.0).generations
    assert "not one of the 2 choices" in choice.schema_error


def test_replayed_replies_are_checked_too():
    from synthloom.backends.replay import create as create_replay

    replay = create_replay(ModelSpec(backend="replay", rules=[{"match": "", "reply": ["Score: 12", "Score: 1"]}]))
    [reply] = run(replay.generate([prompt("p", n=2, temperature=1, regex=SCORE)]))
    assert "does not match the regex" in reply.generations[0].schema_error
    assert reply.generations[1].parsed == "Score: 1"


# -- litellm: what is sent, refused, or only checked -------------------------------------------------------------


def litellm_model(server, model="hosted_vllm/fake", **options):
    options = {"api_base": server.url, "backoff_s": 0.01, "timeout_s": 2.0, "max_retries": 1, **options}
    return create_litellm(ModelSpec(backend="litellm", model=model, **options))


def test_vllm_servers_get_every_constraint(server):
    responses = run(litellm_model(server, extra_body={"top_k": 5}).generate([
        chat("c", choice=["red", "green"]), prompt("r", regex=SCORE), prompt("j", json_schema=ANSWER),
        chat("s", json_schema={"type": "object"})]))
    sent = {b.get("prompt") or b["messages"][0]["content"]: b for b in server.bodies}
    assert sent["c"]["structured_outputs"] == {"choice": ["red", "green"]} and sent["c"]["top_k"] == 5
    assert sent["r"]["structured_outputs"] == {"regex": SCORE}
    assert sent["j"]["structured_outputs"] == {"json": ANSWER}  # text completions have no response_format
    assert sent["s"]["response_format"]["json_schema"]["schema"] == {"type": "object"}
    assert "structured_outputs" not in sent["s"]
    assert responses[0].generations[0].parsed == "red"
    assert responses[3].generations[0].parsed == {"answer": "s", "index": 0}


def test_a_constraint_the_server_cannot_enforce_fails_its_item_unsent(server):
    model = litellm_model(server, model="openai/local")  # an OpenAI-compatible server that is not vLLM
    refused, regex, schema = run(model.generate([chat("c", choice=["a", "b"]), prompt("r", regex=SCORE),
                                                 chat("s", json_schema={"type": "object"})]))
    assert "litellm:openai/local: 'openai/local' cannot enforce the choice [\"a\", \"b\"]" in refused.error
    assert "structured: validate" in refused.error and "regex" in regex.error
    assert [b["messages"][0]["content"] for b in server.bodies] == ["s"]
    assert schema.generations[0].parsed == {"answer": "s", "index": 0}


def test_validate_sends_it_unconstrained_warns_once_and_checks(server, caplog):
    model = litellm_model(server, model="openai/local", structured="validate")
    with caplog.at_level(logging.WARNING, logger="synthloom.backends.litellm"):
        responses = run(model.generate([chat(f"c{i}", choice=["a", "b"]) for i in range(3)]))
    assert len(server.bodies) == 3 and all("structured_outputs" not in b for b in server.bodies)
    assert all("not one of the 2 choices" in r.generations[0].schema_error for r in responses)
    assert [r.message for r in caplog.records].count(caplog.records[0].message) == 1
    assert "sending it unconstrained" in caplog.records[0].message


def test_hosted_apis_get_response_format_only_where_litellm_lists_it(monkeypatch):
    from synthloom.backends.litellm.transport import LiteLLMTransport

    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    common = dict(api_base=None, api_key=None, timeout_s=1.0, extra_body={})
    assert LiteLLMTransport("openai/gpt-4o-mini", **common).response_schema
    assert not LiteLLMTransport("openai/gpt-3.5-turbo", **common).response_schema
    unsupported = StructuredSupport(vllm=False, response_schema=False)
    assert constraint_fields(chat("q", json_schema=ANSWER), unsupported) is None
    assert constraint_fields(chat("q"), unsupported) == {}
    supported = StructuredSupport(vllm=False, response_schema=True)
    assert constraint_fields(chat("q", json_schema=ANSWER), supported)["response_format"]["type"] == "json_schema"
    assert constraint_fields(prompt("q", json_schema=ANSWER), supported) is None


def test_an_unknown_structured_mode_is_a_config_error(server):
    with pytest.raises(ConfigError, match="structured: Input should be 'enforce' or 'validate'"):
        litellm_model(server, structured="grammar")


# -- the embedded models -----------------------------------------------------------------------------------------


@pytest.mark.model
@pytest.mark.slow
def test_the_embedded_chat_model_answers_in_form():
    backend = create(ModelSpec(model="embedded-chat"))
    premise = "Premise: A man is playing a guitar. Hypothesis: A man plays music. Answer with one word."
    label, score, verifier = run(backend.generate([
        chat(premise, max_tokens=8, choice=["entailment", "neutral", "contradiction"]),
        chat("Rate this answer from 0 to 10: 'Paris is in France.' Reply as 'Score: N'.", max_tokens=8, regex=SCORE),
        chat("Write a JSON object with a Python function `evaluate(response)` in `func` that checks the response is "
             "in lowercase, and test cases in `cases`.", max_tokens=200, json_schema=VERIFIER)]))
    assert label.generations[0].parsed in ("entailment", "neutral", "contradiction")
    assert score.generations[0].parsed is not None
    value = verifier.generations[0]
    assert not value.truncated and value.parsed["func"].startswith("def evaluate(response):")
    assert "<|" not in value.text  # no special token inside the JSON
    backend.close()


@pytest.mark.model
@pytest.mark.slow
def test_the_embedded_base_model_writes_valid_verifier_json():
    backend = create(ModelSpec(model="embedded"))
    request = prompt("Instruction: Answer in lowercase.\nA Python verifier as JSON:\n", max_tokens=160,
                     json_schema=VERIFIER)
    [reply] = run(backend.generate([request]))
    generation = reply.generations[0]
    assert generation.schema_error is None and not generation.truncated
    assert generation.parsed["func"].startswith("def evaluate(response):") and 1 <= len(generation.parsed["cases"])
    backend.close()
