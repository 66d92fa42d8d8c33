"""The vLLM backend: vLLM's offline engine (`vllm.LLM`), on GPUs or with vLLM's CPU build, fed whole batches.

Text prompts are rendered (chat template or the plain one) and tokenized here, with this environment's tokenizer,
fitted to the context by the rule in `request_rules`, and handed to the engine as token ids, so that truncation is
ours and reported and scoring positions are exactly those of `scoring.score_span`. Chats with images go to
`LLM.chat`, which turns them into the model's inputs (vision-language models); those are not truncated here.
JSON schemas, regexes and choice lists constrain decoding (vLLM's structured outputs). Scoring reads
`prompt_logprobs`.

The engine lives in a worker process (`engine`, `worker`), so that vLLM can come from another environment (its
CPU build pins other versions than the project), started on the first batch and shared by every backend of this
process with the same engine settings. If it dies, the batch in flight fails item by item and the next batch
starts a fresh engine.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any, Callable

from synthloom.backends.base import GenerateRequest, GenerateResponse, ModelSpec, ScoreRequest, ScoreResponse
from synthloom.backends.chat_template import prompt_token_ids
from synthloom.backends.embedded import default_prompt_style, resolve_model_path
from synthloom.backends.options import parse_options
from synthloom.backends.request_rules import check_sampling, fit_prompt
from synthloom.backends.scoring import ScoreSpan, score_span
from synthloom.backends.vllm import engine
from synthloom.backends.vllm.interpreter import engine_python
from synthloom.backends.vllm.options import VLLMOptions, backend_id, engine_args, engine_env, frozen
from synthloom.backends.vllm.wire import chat_job, generate_job, parse_output, parse_scores, score_job
from synthloom.errors import ConfigError, SynthloomError


def create(spec: ModelSpec) -> "VLLMBackend":
    return VLLMBackend(spec.model, parse_options(VLLMOptions, spec))


class VLLMBackend:
    can_score = True

    def __init__(self, model: str, options: VLLMOptions) -> None:
        self.model = model
        self.options = options
        self.id = backend_id(model, options.dtype)
        self.path = resolve_model_path(model)
        self.engine = engine.acquire(engine.EngineKey(
            python=engine_python(options.python, where=self.id), model=self.path,
            engine_args=frozen(engine_args(options)), env=tuple(sorted(engine_env(options).items())),
            label=self.id, startup_timeout_s=options.startup_timeout_s))
        self._tokenizer: Any = None
        self._tokenizer_lock = threading.Lock()
        self._closed = False

    @property
    def tokenizer(self) -> Any:
        """This environment's tokenizer of the model (the engine only ever sees token ids), loaded on first use."""
        with self._tokenizer_lock:
            if self._tokenizer is None:
                from transformers import AutoTokenizer

                source = self.options.tokenizer or self.path
                try:
                    self._tokenizer = AutoTokenizer.from_pretrained(source)
                except (OSError, ValueError) as error:
                    raise ConfigError(f"cannot load the tokenizer of {self.model!r} from {source!r}: {error}",
                                      where=self.id, hint="a Hugging Face model folder with its tokenizer, or "
                                                          "the `tokenizer:` option") from None
            return self._tokenizer

    @property
    def prompt_style(self) -> str:
        """`chat` when the model has a chat template (or is the embedded chat model), else `completion`."""
        return default_prompt_style(self.model) or ("chat" if self.tokenizer.chat_template else "completion")

    @property
    def max_context(self) -> int:
        """The engine's `max_model_len` (starts the engine)."""
        return int(self.engine.ensure_started()["max_model_len"])

    async def generate(self, requests: list[GenerateRequest]) -> list[GenerateResponse]:
        return await asyncio.to_thread(self._generate_sync, requests)

    async def score(self, requests: list[ScoreRequest]) -> list[ScoreResponse]:
        return await asyncio.to_thread(self._score_sync, requests)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            engine.release(self.engine)

    # -- generation ------------------------------------------------------------------------------------------

    def _generate_sync(self, requests: list[GenerateRequest]) -> list[GenerateResponse]:
        max_context = self.max_context
        responses: list[GenerateResponse | None] = [None] * len(requests)
        texts: dict[int, tuple[dict[str, Any], bool]] = {}
        chats: dict[int, tuple[dict[str, Any], bool]] = {}
        for index, request in enumerate(requests):
            try:
                check_sampling(request, self.id)
                if request.messages is not None and any(m.images for m in request.messages):
                    chats[index] = (chat_job(request), False)
                else:
                    texts[index] = self._text_job(request, max_context)
            except SynthloomError as error:
                responses[index] = GenerateResponse(generations=[], error=str(error))
        for op, jobs in (("generate", texts), ("chat", chats)):
            for index, response in self._run(
                    op, jobs, lambda i, result, ms: parse_output(result, requests[i], truncated_prompt=jobs[i][1],
                                                                 latency_ms=ms),
                    lambda error: GenerateResponse(generations=[], error=error)):
                responses[index] = response
        return responses  # type: ignore[return-value]

    def _text_job(self, request: GenerateRequest, max_context: int) -> tuple[dict[str, Any], bool]:
        tokenizer = self.tokenizer
        ids, stops = prompt_token_ids(tokenizer, request)
        ids, truncated = fit_prompt(ids, max_context=max_context, max_tokens=request.max_tokens,
                                    rule=self.options.on_long_prompt, special_ids=tokenizer.all_special_ids,
                                    where=self.id)
        return generate_job(ids, request, stops), truncated

    # -- scoring ---------------------------------------------------------------------------------------------

    def _score_sync(self, requests: list[ScoreRequest]) -> list[ScoreResponse]:
        # vLLM generates one token after the prompt even when only its log-probabilities are wanted, so a scored
        # sequence may use the context but one position.
        limit = self.max_context - 1
        responses: list[ScoreResponse | None] = [None] * len(requests)
        spans: dict[int, ScoreSpan] = {}
        for index, request in enumerate(requests):
            try:
                spans[index] = score_span(self.tokenizer, request, limit)
            except SynthloomError as error:
                responses[index] = ScoreResponse(tokens=[], logprobs=[], error=str(error))
        jobs = {i: (score_job(span), span.truncated) for i, span in spans.items()}
        for index, response in self._run(
                "score", jobs, lambda i, result, ms: parse_scores(result, spans[i], latency_ms=ms),
                lambda error: ScoreResponse(tokens=[], logprobs=[], error=error)):
            responses[index] = response
        return responses  # type: ignore[return-value]

    # -- one engine call ------------------------------------------------------------------------------------

    def _run(self, op: str, jobs: dict[int, tuple[dict[str, Any], bool]],
             parse: Callable[[int, dict[str, Any], float], Any], fail: Callable[[str], Any]) -> list[tuple[int, Any]]:
        """One engine call for all `jobs` (request index -> job); if the engine dies meanwhile, every request of
        the call fails with that error, so that only this batch's items fail and the next batch restarts it."""
        if not jobs:
            return []
        started = time.perf_counter()
        try:
            results = self.engine.call(op, [job for job, _ in jobs.values()])
        except engine.EngineDied as error:
            return [(i, fail(str(error))) for i in jobs]
        per_request_ms = (time.perf_counter() - started) * 1000 / len(jobs)
        return [(i, parse(i, result, per_request_ms)) for i, result in zip(jobs, results)]
