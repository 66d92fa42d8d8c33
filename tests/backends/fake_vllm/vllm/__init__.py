"""A stand-in for the `vllm` package, for tests of the worker protocol without vLLM: put this folder on the
worker's PYTHONPATH (the backend's `env` option) and run the worker with the test's own Python.

Requests steer it through their SamplingParams: `stop=["@die"]` kills the process mid-batch (an engine that dies),
`stop=["@refuse"]` makes vLLM refuse the whole batch (as it does for an invalid grammar); with FAKE_VLLM_DIE_FILE
set, the first generate call after that file appears deletes it and dies; a model path containing
"unsupported" fails to load like an architecture vLLM lacks. Every sample's text says how many requests the
engine call held, so tests can see how requests were batched.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from vllm import sampling_params
from vllm.sampling_params import SamplingParams

__version__ = "0.0.fake"


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
    finish_reason: str | None = "length"


@dataclass
class RequestOutput:
    prompt_token_ids: list[int]
    outputs: list[CompletionOutput] = field(default_factory=list)
    prompt_logprobs: list[dict[int, Logprob] | None] | None = None


class LLM:
    def __init__(self, model: str, **kwargs: Any) -> None:
        if "unsupported" in model:
            raise ValueError("Model architectures ['NoSuchForCausalLM'] are not supported for now. Supported "
                             "architectures: [...]")
        self.kwargs = kwargs
        self.llm_engine = SimpleNamespace(
            model_config=SimpleNamespace(max_model_len=kwargs.get("max_model_len") or 2048, dtype="torch.float32"),
            engine_core=SimpleNamespace(shutdown=lambda: None))

    def generate(self, prompts: list[dict[str, Any]], sampling_params: Any, use_tqdm: bool) -> list[RequestOutput]:
        many = isinstance(sampling_params, list)
        params = sampling_params if many else [sampling_params] * len(prompts)
        marker = os.environ.get("FAKE_VLLM_DIE_FILE")
        if marker and os.path.exists(marker):
            os.remove(marker)
            os._exit(9)
        for p in params:
            if "@die" in (p.stop or []):
                os._exit(9)
            if "@refuse" in (p.stop or []):
                raise ValueError("Grammar error: invalid regex")
        return [self._answer(prompt["prompt_token_ids"], p, len(prompts)) for prompt, p in zip(prompts, params)]

    def chat(self, messages: list[Any], sampling_params: list[Any], use_tqdm: bool) -> list[RequestOutput]:
        return [self._answer([1, 2, 3], p, len(messages)) for p in sampling_params]

    @staticmethod
    def _answer(ids: list[int], params: SamplingParams, batch: int) -> RequestOutput:
        if params.prompt_logprobs is not None:
            return RequestOutput(prompt_token_ids=ids, prompt_logprobs=[None] + [
                {t: Logprob(-t / 100, 1, f"<{t}>"), 0: Logprob(-0.001, 1, "<top>")} for t in ids[1:]])
        return RequestOutput(prompt_token_ids=ids, outputs=[
            CompletionOutput(index=i, text=f"batch of {batch}, sample {i}", token_ids=[7] * (i + 1))
            for i in reversed(range(params.n))])
