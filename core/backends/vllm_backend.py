"""The vLLM backend: the offline engine (`vllm.LLM`) on GPUs, fed whole batches.

Text prompts are rendered (chat template or the plain one) and tokenized here, fitted to the context by the rule
in `request_rules`, and handed to `LLM.generate` as token ids, so truncation is ours and reported. Chat requests
with images go to `LLM.chat` with image content parts, which vLLM turns into `multi_modal_data` through the
model's processor (vision-language models); those are not truncated here. JSON schemas constrain decoding
(structured outputs) and are checked afterwards too. Scoring uses `prompt_logprobs`.

vLLM is an optional extra (`pip install synthloom[vllm]` on a GPU machine) and is imported only when the engine
starts. The mapping to and from vLLM's types lives in `vllm_wire` as pure functions.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from synthloom.backends.base import GenerateRequest, GenerateResponse, ModelSpec, ScoreRequest, ScoreResponse
from synthloom.backends.chat_template import prompt_token_ids
from synthloom.backends.openai_wire import openai_messages
from synthloom.backends.options import parse_options
from synthloom.backends.request_rules import LongPromptRule, check_sampling, fit_prompt
from synthloom.backends.scoring import score_span
from synthloom.backends.transformers_backend import resolve_model_path
from synthloom.backends.vllm_wire import (
    parse_prompt_logprobs,
    parse_request_output,
    sampling_kwargs,
    score_sampling_kwargs,
    structured_outputs_kwargs,
    token_prompt,
)
from synthloom.errors import ConfigError, SynthloomError


class VLLMOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tensor_parallel_size: int = Field(default=1, ge=1)
    dtype: str = "auto"
    max_model_len: int | None = Field(default=None, ge=2)
    gpu_memory_utilization: float = Field(default=0.9, gt=0, le=1)
    on_long_prompt: LongPromptRule = "truncate"
    seed: int = 0
    engine_args: dict[str, Any] = Field(default_factory=dict, description="more vllm.LLM keyword arguments")


def create(spec: ModelSpec) -> "VLLMBackend":
    return VLLMBackend(spec.model, parse_options(VLLMOptions, spec))


def backend_id(model: str, dtype: str) -> str:
    return f"vllm:{model}:{dtype}"


def import_vllm() -> Any:
    try:
        import vllm
    except ImportError as error:
        raise ConfigError(f"the vllm backend needs the vllm package ({error})",
                          hint="pip install synthloom[vllm] on a GPU machine") from None
    return vllm


class VLLMBackend:
    can_score = True

    def __init__(self, model: str, options: VLLMOptions) -> None:
        self._vllm = import_vllm()
        self.options = options
        self.id = backend_id(model, options.dtype)
        self.llm = self._vllm.LLM(
            model=resolve_model_path(model), tensor_parallel_size=options.tensor_parallel_size, dtype=options.dtype,
            max_model_len=options.max_model_len, gpu_memory_utilization=options.gpu_memory_utilization,
            seed=options.seed, **options.engine_args,
        )
        self.tokenizer = self.llm.get_tokenizer()
        model_config = getattr(self.llm, "model_config", None) or self.llm.llm_engine.model_config
        self.max_context = model_config.max_model_len
        self._lock = threading.Lock()

    async def generate(self, requests: list[GenerateRequest]) -> list[GenerateResponse]:
        return await asyncio.to_thread(self._locked, self._generate_sync, requests)

    async def score(self, requests: list[ScoreRequest]) -> list[ScoreResponse]:
        return await asyncio.to_thread(self._locked, self._score_sync, requests)

    def close(self) -> None:
        self.llm = None

    def _locked(self, work: Any, requests: list[Any]) -> list[Any]:
        with self._lock:
            return work(requests)

    def _sampling_params(self, request: GenerateRequest, extra_stop: tuple[str, ...] = ()) -> Any:
        structured = structured_outputs_kwargs(request.json_schema, self._vllm.sampling_params)
        return self._vllm.SamplingParams(**sampling_kwargs(request, extra_stop), **structured)

    def _generate_sync(self, requests: list[GenerateRequest]) -> list[GenerateResponse]:
        responses: list[GenerateResponse | None] = [None] * len(requests)
        texts: list[tuple[int, dict[str, Any], bool, Any]] = []
        chats: list[int] = []
        for index, request in enumerate(requests):
            try:
                check_sampling(request, self.id)
                if request.messages is not None and any(m.images for m in request.messages):
                    chats.append(index)
                else:
                    ids, truncated, stops = self._prompt_ids(request)
                    texts.append((index, token_prompt(ids), truncated, self._sampling_params(request, stops)))
            except SynthloomError as error:
                responses[index] = GenerateResponse(generations=[], error=str(error))
        started = time.perf_counter()
        outputs: list[tuple[int, Any, bool]] = []
        if texts:
            results = self.llm.generate([p for _, p, _, _ in texts], sampling_params=[s for _, _, _, s in texts],
                                        use_tqdm=False)
            outputs += [(i, out, truncated) for (i, _, truncated, _), out in zip(texts, results)]
        if chats:
            results = self.llm.chat([openai_messages(requests[i].messages or []) for i in chats],
                                    sampling_params=[self._sampling_params(requests[i]) for i in chats],
                                    use_tqdm=False)
            outputs += [(i, out, False) for i, out in zip(chats, results)]
        per_request_ms = (time.perf_counter() - started) * 1000 / max(1, len(outputs))
        for index, output, truncated in outputs:
            responses[index] = parse_request_output(output, requests[index], truncated_prompt=truncated,
                                                    latency_ms=per_request_ms)
        return responses  # type: ignore[return-value]

    def _prompt_ids(self, request: GenerateRequest) -> tuple[list[int], bool, tuple[str, ...]]:
        ids, stops = prompt_token_ids(self.tokenizer, request)
        ids, truncated = fit_prompt(ids, max_context=self.max_context, max_tokens=request.max_tokens,
                                    rule=self.options.on_long_prompt, special_ids=self.tokenizer.all_special_ids,
                                    where=self.id)
        return ids, truncated, stops

    def _score_sync(self, requests: list[ScoreRequest]) -> list[ScoreResponse]:
        responses: list[ScoreResponse | None] = [None] * len(requests)
        spans = {}
        for index, request in enumerate(requests):
            try:
                spans[index] = score_span(self.tokenizer, request, self.max_context)
            except SynthloomError as error:
                responses[index] = ScoreResponse(tokens=[], logprobs=[], error=str(error))
        started = time.perf_counter()
        params = self._vllm.SamplingParams(**score_sampling_kwargs())
        results = self.llm.generate([token_prompt(spans[i].input_ids) for i in spans], sampling_params=params,
                                    use_tqdm=False) if spans else []
        per_request_ms = (time.perf_counter() - started) * 1000 / max(1, len(spans))
        for index, output in zip(spans, results):
            responses[index] = parse_prompt_logprobs(output, spans[index], latency_ms=per_request_ms)
        return responses  # type: ignore[return-value]
