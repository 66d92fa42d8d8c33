"""Our requests and responses in the OpenAI wire format, as pure functions.

Kept apart from the transport so that the mapping can be tested without a server, and shared by the two ways the
litellm backend talks to a model (through litellm, or straight HTTP to an OpenAI-compatible server).
"""

from __future__ import annotations

from typing import Any

from synthloom.backends.base import (
    ChatMessage,
    GenerateRequest,
    GenerateResponse,
    Generation,
    ScoreRequest,
    ScoreResponse,
)
from synthloom.backends.schema_check import check_generation
from synthloom.errors import CannotScoreError, MalformedOutputError


def openai_messages(messages: list[ChatMessage]) -> list[dict[str, Any]]:
    """Chat messages; a message with images becomes a list of content parts with data URLs."""
    out: list[dict[str, Any]] = []
    for message in messages:
        if not message.images:
            out.append({"role": message.role, "content": message.content})
            continue
        parts: list[dict[str, Any]] = [{"type": "text", "text": message.content}]
        parts += [{"type": "image_url", "image_url": {"url": image.data_url()}} for image in message.images]
        out.append({"role": message.role, "content": parts})
    return out


def sampling_params(request: GenerateRequest) -> dict[str, Any]:
    params: dict[str, Any] = {
        "n": request.n,
        "temperature": request.temperature,
        "top_p": request.top_p,
        "max_tokens": request.max_tokens,
    }
    if request.stop:
        params["stop"] = list(request.stop)
    if request.seed is not None:
        params["seed"] = request.seed
    return params


def generate_payload(request: GenerateRequest, model: str, constraint: dict[str, Any]) -> dict[str, Any]:
    """The body of a chat completion (when `messages`) or a text completion (when `prompt`) request, with the
    fields that ask the server to enforce the request's constraint (see `litellm.structured`)."""
    payload: dict[str, Any] = {"model": model, **sampling_params(request), **constraint}
    if request.messages is not None:
        payload["messages"] = openai_messages(request.messages)
    else:
        payload["prompt"] = request.prompt
    return payload


def score_payload(request: ScoreRequest, model: str) -> dict[str, Any]:
    """A text completion that echoes the prompt with its log-probabilities (vLLM's OpenAI server supports it)."""
    prompt: str | list[int] = (
        request.input_ids if request.input_ids is not None else request.prefix + request.continuation
    )
    return {"model": model, "prompt": prompt, "max_tokens": 1, "temperature": 0.0, "echo": True, "logprobs": 1}


def parse_generate_response(data: dict[str, Any], request: GenerateRequest, *, cost: float | None,
                            latency_ms: float) -> GenerateResponse:
    """A chat or text completion response body as our GenerateResponse, each sample checked against the schema."""
    try:
        choices = sorted(data["choices"], key=lambda c: c.get("index", 0))
        texts = [(c["message"]["content"] if "message" in c else c["text"]) or "" for c in choices]
    except (KeyError, TypeError) as error:
        raise MalformedOutputError(f"the server's answer has no choices/text ({error!r})") from None
    generations = [
        check_generation(Generation(text=text, finish_reason=choice.get("finish_reason")), request)
        for text, choice in zip(texts, choices)
    ]
    usage = data.get("usage") or {}
    return GenerateResponse(
        generations=generations,
        prompt_tokens=int(usage.get("prompt_tokens") or 0),
        completion_tokens=int(usage.get("completion_tokens") or 0),
        cost=cost,
        latency_ms=latency_ms,
    )


def parse_echo_logprobs(data: dict[str, Any], request: ScoreRequest, *, latency_ms: float) -> ScoreResponse:
    """The scored tokens of an echoed prompt (see ScoreRequest for which tokens those are).

    The echo covers the prompt and then the one generated token; the prompt's length in tokens is `len(input_ids)`
    in token form, else the usage's `prompt_tokens`, else the tokens that start inside the prompt text.
    """
    try:
        logprobs = data["choices"][0]["logprobs"]
        tokens, values, offsets = logprobs["tokens"], logprobs["token_logprobs"], logprobs.get("text_offset")
    except (KeyError, IndexError, TypeError):
        logprobs = None
    if not logprobs or tokens is None or values is None:
        raise CannotScoreError(
            "the server did not return prompt log-probabilities for an echoed completion",
            hint="score with a server that supports `echo` with `logprobs` on /v1/completions (vLLM's OpenAI "
                 "server does), or set `scoring: false` for this model",
        )
    if request.input_ids is not None:
        prompt_len, first = len(request.input_ids), request.target_start or 0
        positions = range(max(first, 1), prompt_len)
    else:
        if offsets is None:
            raise CannotScoreError("the server returned log-probabilities without text offsets",
                                   hint="use the token form of ScoreRequest (input_ids, target_start)")
        text_len = len(request.prefix) + len(request.continuation)
        usage_len = (data.get("usage") or {}).get("prompt_tokens")
        prompt_len = usage_len if usage_len else sum(1 for o in offsets if o < text_len)
        positions = range(1, min(prompt_len, len(tokens)))
        positions = [i for i in positions if offsets[i] >= len(request.prefix)]
    truncated = request.max_length is not None and prompt_len > request.max_length
    keep = [i for i in positions if request.max_length is None or i < request.max_length]
    return ScoreResponse(
        tokens=[tokens[i] for i in keep],
        logprobs=[float(values[i]) for i in keep],
        truncated=truncated,
        latency_ms=latency_ms,
    )
