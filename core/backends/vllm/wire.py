"""Our requests as jobs for vLLM's engine process, and its results as our responses: pure functions.

The engine runs in a worker process that may live in another environment (see `worker`), so jobs and results are
plain data: a generate job carries the prompt's token ids (rendered, tokenized and fitted to the context here, so
that truncation is ours and reported), `SamplingParams` keywords and the structured-output constraint; a score job
carries token ids and the first position to score.
"""

from __future__ import annotations

from typing import Any

from synthloom.backends.base import GenerateRequest, GenerateResponse, Generation, ScoreResponse
from synthloom.backends.openai_wire import openai_messages
from synthloom.backends.schema_check import check_generation
from synthloom.backends.scoring import ScoreSpan


def sampling_kwargs(request: GenerateRequest, extra_stop: tuple[str, ...] = ()) -> dict[str, Any]:
    """`SamplingParams(**kwargs)` for a request, except its structured-output constraint; `extra_stop` are stop
    strings the prompt template adds (the plain chat template's next `User:` turn)."""
    return {
        "n": request.n,
        "temperature": request.temperature,
        "top_p": request.top_p,
        "max_tokens": request.max_tokens,
        "stop": list(request.stop) + [s for s in extra_stop if s not in request.stop],
        "seed": request.seed,
    }


def structured(request: GenerateRequest) -> dict[str, Any] | None:
    """The keywords of vLLM's `StructuredOutputsParams` (`json`, `regex` or `choice`), or None."""
    if request.json_schema is not None:
        return {"json": request.json_schema}
    if request.regex is not None:
        return {"regex": request.regex}
    if request.choice is not None:
        return {"choice": list(request.choice)}
    return None


def generate_job(ids: list[int], request: GenerateRequest, extra_stop: tuple[str, ...] = ()) -> dict[str, Any]:
    return {"prompt_token_ids": list(ids), "sampling": sampling_kwargs(request, extra_stop),
            "structured": structured(request)}


def chat_job(request: GenerateRequest) -> dict[str, Any]:
    """A chat with images: vLLM renders it and turns the images into the model's inputs (vision-language models)."""
    return {"messages": openai_messages(request.messages or []), "sampling": sampling_kwargs(request),
            "structured": structured(request)}


def score_job(span: ScoreSpan) -> dict[str, Any]:
    return {"prompt_token_ids": list(span.input_ids), "first": span.first}


def parse_output(result: dict[str, Any], request: GenerateRequest, *, truncated_prompt: bool,
                 latency_ms: float) -> GenerateResponse:
    """A generate job's result as a response; every sample is checked against its constraint afterwards as well,
    because a constrained reply can still be cut short by `max_tokens`."""
    if "error" in result:
        return GenerateResponse(generations=[], error=f"vLLM refused the request: {result['error']}",
                                latency_ms=latency_ms)
    samples = sorted(result["samples"], key=lambda s: s["index"])
    generations = [check_generation(Generation(text=s["text"], finish_reason=s["finish_reason"]), request)
                   for s in samples]
    return GenerateResponse(
        generations=generations,
        prompt_tokens=result["prompt_tokens"],
        completion_tokens=sum(s["tokens"] for s in samples),
        cost=None,
        latency_ms=latency_ms,
        truncated_prompt=truncated_prompt,
    )


def parse_scores(result: dict[str, Any], span: ScoreSpan, *, latency_ms: float) -> ScoreResponse:
    if "error" in result:
        return ScoreResponse(tokens=[], logprobs=[], truncated=span.truncated, latency_ms=latency_ms,
                             error=f"vLLM refused the request: {result['error']}")
    return ScoreResponse(tokens=list(result["tokens"]), logprobs=list(result["logprobs"]), truncated=span.truncated,
                         latency_ms=latency_ms)
