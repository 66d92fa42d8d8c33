"""The transformers backend: a local Hugging Face causal LM or vision-language model on CPU or GPU, batched, in a
worker thread. Vision-language models (see `vision`) take chats with images; text-only models refuse them.

Generation batches rows (one per sample: a request with `n: 4` is four rows) sorted by prompt length, left-padded,
with per-row sampling and stopping (see `generation`), so requests with different temperatures, seeds, lengths,
stop strings and constraints share batches. A `json_schema`, `regex` or `choice` constrains its rows' decoding
(see `grammar`); every reply is also checked afterwards (`schema_check`). Scoring runs the backbone and applies
the LM head in chunks (see `scoring`). All model work runs in one worker thread at a time (a lock), so the event
loop stays free for other agents.

Prompts that do not fit the context are truncated or fail their item by the rule in `request_rules`
(`on_long_prompt`); a truncated prompt is reported with `truncated_prompt: true`.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from typing import Any

from synthloom.backends.options import parse_options
from synthloom.backends.base import (
    GenerateRequest,
    GenerateResponse,
    Generation,
    ModelSpec,
    ScoreRequest,
    ScoreResponse,
)
from synthloom.backends.chat_template import prompt_token_ids
from synthloom.backends.embedded import default_prompt_style, resolve_model_path
from synthloom.backends.request_rules import check_sampling, fit_prompt
from synthloom.backends.schema_check import check_generation, describe_constraint
from synthloom.backends.scoring import ScoreSpan, chunked_token_logprobs, score_span
from synthloom.backends.stops import cut_at_stop
from synthloom.backends.transformers.options import TransformersOptions, backend_id
from synthloom.backends.transformers.torch_runtime import (
    default_cpu_threads,
    resolve_device,
    resolve_dtype,
    torch_dtype,
)
from synthloom.errors import ConfigError, SynthloomError

logger = logging.getLogger("synthloom.backends.transformers")


def create(spec: ModelSpec) -> "TransformersBackend":
    return TransformersBackend(spec.model, parse_options(TransformersOptions, spec))


class TransformersBackend:
    can_score = True

    def __init__(self, model: str, options: TransformersOptions) -> None:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        from synthloom.backends.transformers import vision

        self.options = options
        self.device = resolve_device(options.device)
        self.dtype = resolve_dtype(options.dtype, self.device)
        self.id = backend_id(model, self.dtype)
        if self.device == "cpu":
            torch.set_num_threads(options.threads or default_cpu_threads())
        source = resolve_model_path(model)
        self.source = source
        self.processor: Any = None
        try:
            if vision.is_vision_model(source):
                self.model, self.processor = vision.load(source, torch_dtype(self.dtype))
                self.tokenizer = self.processor.tokenizer
            else:
                self.tokenizer = AutoTokenizer.from_pretrained(source)
                self.model = AutoModelForCausalLM.from_pretrained(source, dtype=torch_dtype(self.dtype))
        except OSError as error:
            raise ConfigError(f"cannot load model {model!r}: {error}", where=f"model {model!r}",
                              hint="a local model directory, `embedded`, or a hub id that is already in the "
                                   "Hugging Face cache (no hub access at run time)") from None
        self.model.to(self.device).eval()
        if self.tokenizer.pad_token_id is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.accepts_images = self.processor is not None
        chat = self.tokenizer.chat_template or self.accepts_images
        self.prompt_style = default_prompt_style(model) or ("chat" if chat else "completion")
        text_config = self.model.config.get_text_config()
        self.max_context = options.max_context or getattr(text_config, "max_position_embeddings", None) or 2048
        self.softcap = getattr(text_config, "final_logit_softcapping", None)
        eos = self.model.generation_config.eos_token_id or self.tokenizer.eos_token_id
        self.eos_ids = set(eos if isinstance(eos, list) else [eos])
        self._grammar_engine: Any = None  # grammar.GrammarEngine, built on the first constrained request
        self._lock = threading.Lock()

    async def generate(self, requests: list[GenerateRequest]) -> list[GenerateResponse]:
        return await self._in_thread(self._generate_sync, requests)

    async def score(self, requests: list[ScoreRequest]) -> list[ScoreResponse]:
        return await self._in_thread(self._score_sync, requests)

    def close(self) -> None:
        self.model = None

    async def _in_thread(self, work: Any, requests: list[Any]) -> list[Any]:
        """Run `work` in a worker thread; a cancelled batch tells the thread to stop at its next token."""
        cancel = threading.Event()
        try:
            return await asyncio.to_thread(self._locked, work, requests, cancel)
        except asyncio.CancelledError:
            cancel.set()
            raise

    def _locked(self, work: Any, requests: list[Any], cancel: threading.Event) -> list[Any]:
        import torch

        with self._lock, torch.inference_mode():
            return work(requests, cancel)

    # -- generation ------------------------------------------------------------------------------------------

    def _generate_sync(self, requests: list[GenerateRequest], cancel: threading.Event) -> list[GenerateResponse]:
        from synthloom.backends.transformers.generation import RowSpec

        responses: list[GenerateResponse | None] = [None] * len(requests)
        prompts: dict[int, tuple[list[int], bool, dict[str, Any]]] = {}
        rows: list[tuple[int, RowSpec]] = []
        for index, request in enumerate(requests):
            try:
                ids, truncated, stops, extra = self._prompt_ids(request)
                grammar = self._grammar(request)
            except SynthloomError as error:
                responses[index] = GenerateResponse(generations=[], error=str(error))
                continue
            prompts[index] = (ids, truncated, extra)
            rows += [(index, RowSpec(temperature=request.temperature, top_p=request.top_p,
                                     max_tokens=request.max_tokens, stop=tuple(request.stop) + stops,
                                     seed=request.seed, sample=sample, grammar=grammar))
                     for sample in range(request.n)]
        rows.sort(key=lambda row: -len(prompts[row[0]][0]))
        texts: dict[int, list[tuple[int, Generation, int]]] = {i: [] for i in prompts}
        started = time.perf_counter()
        for start in range(0, len(rows), self.options.batch_size):
            if cancel.is_set():
                break
            batch = rows[start:start + self.options.batch_size]
            for (index, spec), (generation, used) in zip(batch, self._generate_batch(batch, prompts, cancel)):
                texts[index].append((spec.sample, generation, used))
        per_request_ms = (time.perf_counter() - started) * 1000 / max(1, len(prompts))
        for index, samples in texts.items():
            samples.sort(key=lambda s: s[0])
            request = requests[index]
            responses[index] = GenerateResponse(
                generations=[check_generation(g, request) for _, g, _ in samples],
                prompt_tokens=len(prompts[index][0]),
                completion_tokens=sum(used for _, _, used in samples),
                latency_ms=per_request_ms,
                truncated_prompt=prompts[index][1],
            )
        return responses  # type: ignore[return-value]

    def _prompt_ids(self, request: GenerateRequest) -> tuple[list[int], bool, tuple[str, ...], dict[str, Any]]:
        """Token ids of the prompt (truncated per `on_long_prompt`), whether truncated, template stop strings, and
        the image tensors of a vision-language model's prompt (whose image tokens must never be cut)."""
        from synthloom.backends.transformers import vision

        check_sampling(request, self.id)
        if self.processor is None and request.messages is not None and any(m.images for m in request.messages):
            raise ConfigError(f"model {self.id!r} is a text-only model and takes no images", where=self.id,
                              hint="use a vision-language model (its config has a vision_config)")
        stops: tuple[str, ...] = ()
        extra: dict[str, Any] = {}
        if self.processor is None:
            ids, stops = prompt_token_ids(self.tokenizer, request)
        else:
            ids, extra = vision.prompt_inputs(self.processor, request, self.options.max_images, self.id)
        rule = "error" if extra else self.options.on_long_prompt
        ids, truncated = fit_prompt(ids, max_context=self.max_context, max_tokens=request.max_tokens, rule=rule,
                                    special_ids=self.tokenizer.all_special_ids, where=self.id)
        return ids, truncated, stops, extra

    def _generate_batch(self, batch: list[tuple[int, Any]], prompts: dict[int, tuple[list[int], bool, dict[str, Any]]],
                        cancel: threading.Event) -> list[tuple[Generation, int]]:
        import torch
        from transformers import GenerationConfig, LogitsProcessorList, StoppingCriteriaList

        from synthloom.backends.transformers.generation import RowSampler, RowStopper
        from synthloom.backends.transformers.vision import batch_extras

        specs = [spec for _, spec in batch]
        sequences = [prompts[index][0] for index, _ in batch]
        width = max(len(s) for s in sequences)
        pad = self.tokenizer.pad_token_id
        input_ids = torch.tensor([[pad] * (width - len(s)) + s for s in sequences], device=self.device)
        attention = torch.tensor([[0] * (width - len(s)) + [1] * len(s) for s in sequences], device=self.device)
        config = GenerationConfig(max_new_tokens=max(s.max_tokens for s in specs), do_sample=False, num_beams=1,
                                  pad_token_id=pad, eos_token_id=sorted(self.eos_ids))
        images = batch_extras([prompts[index][2] for index, _ in batch], self.device, self.model.dtype)
        stopper = RowStopper(specs, width, self.tokenizer, cancel)
        sampler = self._grammar_sampler(specs, stopper) if any(s.grammar for s in specs) else RowSampler(specs)
        output = self.model.generate(
            input_ids=input_ids, attention_mask=attention, generation_config=config, **images,
            logits_processor=LogitsProcessorList([sampler]), stopping_criteria=StoppingCriteriaList([stopper]),
        )
        return [self._decode(row[width:].tolist(), spec, sampler.truncated(i))
                for i, (row, spec) in enumerate(zip(output, specs))]

    def _grammar(self, request: GenerateRequest) -> str | None:
        """The request's constraint as a grammar, compiled now, so that one the library cannot use fails its item
        (ConfigError naming the model and the constraint) before anything is generated. The grammar library's
        tokenizer set-up takes seconds, so it happens on the first constrained request and once per backend."""
        if not request.structured:
            return None
        from synthloom.backends.transformers.grammar import GrammarEngine, GrammarError, grammar_source

        try:
            if self._grammar_engine is None:
                started = time.perf_counter()
                self._grammar_engine = GrammarEngine(self.tokenizer, self.eos_ids)
                logger.info("%s: grammar tokenizer set up in %.1f s", self.id, time.perf_counter() - started)
            grammar = grammar_source(request)
            self._grammar_engine.compile(grammar)
        except GrammarError as error:
            raise ConfigError(f"cannot decode under the {describe_constraint(request)}: {error}", where=self.id,
                              hint="llguidance takes regexes without look-around or backreferences and JSON Schema "
                                   "without `not`, `if`/`then` or `uniqueItems`: leave such parts out of the "
                                   "constraint and check them in the agent") from None
        return grammar

    def _grammar_sampler(self, specs: list[Any], stopper: Any) -> Any:
        from synthloom.backends.transformers.grammar import GrammarRowSampler

        engine = self._grammar_engine
        matchers = [engine.matcher(engine.compile(s.grammar)) if s.grammar else None for s in specs]
        return GrammarRowSampler(specs, matchers, engine.vocab, stopper, self.eos_ids)

    def _decode(self, new_ids: list[int], spec: Any, truncated: bool) -> tuple[Generation, int]:
        """The sample's text (cut at EOS and at the first stop string), and how many tokens it used.

        Rows that finished before the rest of their batch are filled with padding, which is not theirs.
        """
        end, pad = len(new_ids), self.tokenizer.pad_token_id
        while end and new_ids[end - 1] == pad and pad not in self.eos_ids:
            end -= 1
        kept = new_ids[:min(end, spec.max_tokens)]
        ended = next((i for i, token in enumerate(kept) if token in self.eos_ids), None)
        if ended is not None:
            kept = kept[:ended + 1]
        text, stopped = cut_at_stop(self.tokenizer.decode(kept, skip_special_tokens=True), spec.stop)
        finish_reason = "stop" if ended is not None or stopped else "length"
        return Generation(text=text, finish_reason=finish_reason, truncated=truncated), len(kept)

    # -- scoring ---------------------------------------------------------------------------------------------

    def _score_sync(self, requests: list[ScoreRequest], cancel: threading.Event) -> list[ScoreResponse]:
        responses: list[ScoreResponse | None] = [None] * len(requests)
        spans: dict[int, ScoreSpan] = {}
        for index, request in enumerate(requests):
            try:
                spans[index] = score_span(self.tokenizer, request, self.max_context)
            except SynthloomError as error:
                responses[index] = ScoreResponse(tokens=[], logprobs=[], error=str(error))
        order = sorted(spans, key=lambda i: len(spans[i].input_ids))
        started = time.perf_counter()
        for start in range(0, len(order), self.options.batch_size):
            if cancel.is_set():
                break
            batch = order[start:start + self.options.batch_size]
            for index, (tokens, values) in zip(batch, self._score_batch([spans[i] for i in batch])):
                responses[index] = ScoreResponse(tokens=tokens, logprobs=values, truncated=spans[index].truncated)
        per_request_ms = (time.perf_counter() - started) * 1000 / max(1, len(spans))
        for index in spans:
            responses[index].latency_ms = per_request_ms  # type: ignore[union-attr]
        return responses  # type: ignore[return-value]

    def _score_batch(self, spans: list[ScoreSpan]) -> list[tuple[list[str], list[float]]]:
        """Right-padded forward through the backbone; hidden state at p-1 predicts the token at p."""
        import torch

        width = max(len(s.input_ids) for s in spans)
        pad = self.tokenizer.pad_token_id
        input_ids = torch.tensor([s.input_ids + [pad] * (width - len(s.input_ids)) for s in spans],
                                 device=self.device)
        attention = torch.tensor([[1] * len(s.input_ids) + [0] * (width - len(s.input_ids)) for s in spans],
                                 device=self.device)
        backbone = getattr(self.model, self.model.base_model_prefix)
        hidden = backbone(input_ids=input_ids, attention_mask=attention).last_hidden_state
        rows = torch.tensor([b for b, s in enumerate(spans) for _ in range(s.first, len(s.input_ids))],
                            dtype=torch.long, device=self.device)
        positions = torch.tensor([p for s in spans for p in range(s.first, len(s.input_ids))],
                                 dtype=torch.long, device=self.device)
        values = chunked_token_logprobs(hidden[rows, positions - 1], self.model.get_output_embeddings(),
                                        input_ids[rows, positions], softcap=self.softcap,
                                        chunk_rows=self.options.score_chunk_rows).tolist()
        results, offset = [], 0
        for span in spans:
            count = max(0, len(span.input_ids) - span.first)
            ids = span.input_ids[span.first:]
            results.append((self.tokenizer.convert_ids_to_tokens(ids), values[offset:offset + count]))
            offset += count
        return results
