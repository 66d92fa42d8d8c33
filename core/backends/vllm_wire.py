"""Our requests as vLLM offline-engine arguments, and vLLM's outputs as our responses: pure functions.

vLLM is an optional extra that needs a GPU, so everything that can be checked without it lives here and reads
vLLM's output objects by duck typing (`RequestOutput.outputs[i].text / token_ids / finish_reason`,
`prompt_token_ids`, and `prompt_logprobs`: a list with None for the first prompt token, then one dict per token
from token id to `Logprob(logprob, rank, decoded_token)`).
"""

from __future__ import annotations

from typing import Any

from synthloom.backends.base import GenerateRequest, GenerateResponse, Generation, ScoreResponse
from synthloom.backends.schema_check import check_generation
from synthloom.backends.scoring import ScoreSpan


def sampling_kwargs(request: GenerateRequest, extra_stop: tuple[str, ...] = ()) -> dict[str, Any]:
    """`SamplingParams(**kwargs)` for a request, except its JSON schema (see `structured_outputs_kwargs`);
    `extra_stop` are stop strings the prompt template adds (the plain chat template's next `User:` turn)."""
    return {
        "n": request.n,
        "temperature": request.temperature,
        "top_p": request.top_p,
        "max_tokens": request.max_tokens,
        "stop": list(request.stop) + [s for s in extra_stop if s not in request.stop],
        "seed": request.seed,
    }


def structured_outputs_kwargs(schema: dict[str, Any] | None, sampling_params_module: Any) -> dict[str, Any]:
    """The SamplingParams keyword that constrains decoding to `schema`, under the name this vLLM version uses:
    `structured_outputs=StructuredOutputsParams(json=...)` (vLLM >= 0.11), else the older
    `guided_decoding=GuidedDecodingParams(json=...)`."""
    if schema is None:
        return {}
    if hasattr(sampling_params_module, "StructuredOutputsParams"):
        return {"structured_outputs": sampling_params_module.StructuredOutputsParams(json=schema)}
    return {"guided_decoding": sampling_params_module.GuidedDecodingParams(json=schema)}


def score_sampling_kwargs() -> dict[str, Any]:
    """Scoring reads the prompt's own log-probabilities (0 extra alternatives) and generates one throwaway token."""
    return {"max_tokens": 1, "temperature": 0.0, "prompt_logprobs": 0}


def token_prompt(ids: list[int]) -> dict[str, Any]:
    """A TokensPrompt: vLLM takes the ids as given, so our truncation and scoring positions hold exactly."""
    return {"prompt_token_ids": list(ids)}


def parse_request_output(output: Any, request: GenerateRequest, *, truncated_prompt: bool,
                         latency_ms: float) -> GenerateResponse:
    samples = sorted(output.outputs, key=lambda o: o.index)
    generations = [
        check_generation(Generation(text=s.text, finish_reason=s.finish_reason), request.json_schema)
        for s in samples
    ]
    return GenerateResponse(
        generations=generations,
        prompt_tokens=len(output.prompt_token_ids or []),
        completion_tokens=sum(len(s.token_ids) for s in samples),
        cost=None,
        latency_ms=latency_ms,
        truncated_prompt=truncated_prompt,
    )


def parse_prompt_logprobs(output: Any, span: ScoreSpan, *, latency_ms: float) -> ScoreResponse:
    """The log-probabilities of `span.input_ids[span.first:]` from a RequestOutput's `prompt_logprobs`."""
    entries = output.prompt_logprobs
    tokens, values = [], []
    for position in range(span.first, len(span.input_ids)):
        chosen = entries[position][span.input_ids[position]]
        tokens.append(chosen.decoded_token if chosen.decoded_token is not None else str(span.input_ids[position]))
        values.append(float(chosen.logprob))
    return ScoreResponse(tokens=tokens, logprobs=values, truncated=span.truncated, latency_ms=latency_ms)
