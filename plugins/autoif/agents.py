"""The agents of AutoIF, one per stage of the reference pipeline (QwenLM/AutoIF `code/` and `code_dpo/`).

Each emits the survivor kind the next stage consumes, or `autoif.dropped` with the reason, so that every
intermediate decision is in the store.
"""

from __future__ import annotations

import json
import re
from typing import Any, Literal

from pydantic import Field

from synthloom.agents import Agent, AgentConfig, SourceConfig
from synthloom.backends.base import ChatMessage, GenerateRequest, GenerateResponse
from synthloom.context import Context
from synthloom.messages import Message
from synthloom.plugins.autoif import formats, prompts
from synthloom.plugins.autoif.cross_validation import dpo_pairs, mean_score
from synthloom.plugins.autoif.execution import context_evaluator
from synthloom.plugins.autoif.importers import read_instructions
from synthloom.plugins.autoif.kinds import (
    Case,
    CheckedInstruction,
    Dropped,
    DPOPair,
    FunctionVerdict,
    Instruction,
    InstructionCandidate,
    PassedResponse,
    Query,
    ResponseSet,
    ScoredFunction,
    ScoredQuery,
    ScoredResponse,
    SFTExample,
    VerifiedInstruction,
    VerifierSet,
)
from synthloom.plugins.autoif.nli import nli_labels
from synthloom.plugins.autoif.parsing import parse_back_translation, parse_instruction_list, parse_score
from synthloom.plugins.autoif.stages import CrossValidationParams, cross_validate_many, pass_rates_many


class SamplingConfig(AgentConfig):
    """How an agent samples its model; K replies per input come from one request with `n = samples`."""

    samples: int = Field(default=1, ge=1)
    temperature: float = Field(default=0.7, ge=0.0)
    top_p: float = Field(default=1.0, gt=0.0, le=1.0)
    max_tokens: int = Field(default=512, ge=1)


def sampling_request(text: str, cfg: Any, seed: int, n: int | None = None) -> GenerateRequest:
    """A user turn sampled as `cfg` (a SamplingConfig) says; the agents and `synthloom autoif generate` share it."""
    return GenerateRequest(messages=[ChatMessage(role="user", content=text)], n=n or cfg.samples,
                           temperature=cfg.temperature, top_p=cfg.top_p, max_tokens=cfg.max_tokens, seed=seed)


def _short(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[:limit] + "..."


# -- step 1: instructions --------------------------------------------------------------------------------------


class InstructionWriterConfig(SourceConfig):
    seeds: str
    per_round: int = Field(default=50, ge=1)
    include_seeds: bool = True
    temperature: float = Field(default=1.0, ge=0.0)
    top_p: float = Field(default=1.0, gt=0.0, le=1.0)
    max_tokens: int = Field(default=2048, ge=1)


class InstructionWriter(Agent):
    """Self-instruct: one prompt holds every seed and asks for `per_round` new format instructions, each round."""

    name = "autoif.instruction_writer"
    produces = (InstructionCandidate, Dropped)
    Config = InstructionWriterConfig

    async def produce(self, ctx: Context) -> list[Message]:
        cfg = self.config
        seeds, problems = read_instructions(ctx.resolve_path(cfg.seeds))
        out: list[Message] = list(problems) if ctx.round == 0 else []
        if not seeds:
            return out
        if ctx.round == 0 and cfg.include_seeds:
            out += [InstructionCandidate(text=s, origin="seed", round=0) for s in seeds]
        request = GenerateRequest(messages=[ChatMessage(role="user", content=prompts.augment_instructions(
            seeds, cfg.per_round))], temperature=cfg.temperature, top_p=cfg.top_p, max_tokens=cfg.max_tokens,
            seed=ctx.seed_for("round", ctx.round))
        reply = (await ctx.model().generate([request]))[0]
        if reply.error is not None:
            return [*out, Dropped(stage="instruction_writer", reason="model_error", detail=reply.error)]
        written = parse_instruction_list(reply.generations[0].text)
        if not written:
            out.append(Dropped(stage="instruction_writer", reason="no_instruction_lines",
                               detail="the reply has no line starting with '- '",
                               subject=_short(reply.generations[0].text)))
        return out + [InstructionCandidate(text=t, origin="generated", round=ctx.round) for t in written]


class DedupConfig(AgentConfig):
    max_chars: int = Field(default=500, ge=1)


def _normalise(text: str) -> str:
    return re.sub(r"[\W_]+", " ", text.lower()).strip()


class DedupInstructions(Agent):
    """Drops repeated instructions (same words, ignoring case and punctuation) once every round is written."""

    name = "autoif.dedup_instructions"
    consumes = (InstructionCandidate,)
    produces = (Instruction, Dropped)
    Config = DedupConfig
    barrier = True

    def handle(self, batch: list[InstructionCandidate], ctx: Context) -> list[Message]:
        seen: dict[str, str] = {}
        out: list[Message] = []
        for item in sorted(batch, key=lambda m: (m.origin != "seed", m.round, m.id)):
            key = _normalise(item.text)
            if len(item.text) > self.config.max_chars:
                out.append(Dropped(parents=[item], stage="dedup", reason="too_long", subject=_short(item.text),
                                   detail=f"{len(item.text)} characters (max {self.config.max_chars})"))
            elif key in seen:
                out.append(Dropped(parents=[item], stage="dedup", reason="duplicate", subject=item.text,
                                   detail=f"same as {seen[key]!r}"))
            elif key:
                seen[key] = item.text
                out.append(Instruction(parents=[item], text=item.text, origin=item.origin))
        return out


# -- step 2: verification functions and test cases ------------------------------------------------------------


class VerifierWriterConfig(SamplingConfig):
    samples: int = Field(default=8, ge=1)
    max_tokens: int = Field(default=1024, ge=1)


class VerifierWriter(Agent):
    """Samples K replies per instruction, each a JSON object with an `evaluate` function and three test cases."""

    name = "autoif.verifier_writer"
    consumes = (Instruction,)
    produces = (VerifierSet,)
    Config = VerifierWriterConfig
    batch_size = 16

    async def handle(self, batch: list[Instruction], ctx: Context) -> list[Message]:
        texts = [prompts.verifier(item.text) for item in batch]
        replies = await ctx.model().generate([sampling_request(t, self.config, ctx.seed_for(i.id))
                                              for t, i in zip(texts, batch)])
        return [VerifierSet(parents=[item], instruction=item.text, prompt=text, replies=reply.texts())
                for item, text, reply in zip(batch, texts, replies)]


# -- step 3: cross-validation in the sandbox ------------------------------------------------------------------


class CrossValidator(Agent):
    """Runs every unique function on every unique case; keeps agreeing cases and accurate functions."""

    name = "autoif.cross_validator"
    consumes = (VerifierSet,)
    produces = (VerifiedInstruction, FunctionVerdict, Dropped)
    Config = CrossValidationParams
    batch_size = 8

    async def handle(self, batch: list[VerifierSet], ctx: Context) -> list[Message]:
        cfg = self.config
        outcomes = await cross_validate_many([(m.instruction, m.replies) for m in batch],
                                             context_evaluator(ctx, cfg.timeout_s), cfg)
        out: list[Message] = []
        for item, outcome in zip(batch, outcomes):
            def dropped(reason: str, detail: str, subject: str = "") -> Dropped:
                return Dropped(parents=[item], stage="cross_validation", reason=reason, detail=detail,
                               subject=subject or item.instruction)

            for index, reply in outcome.candidates.rejected:
                out.append(dropped(reply.error or "rejected", f"reply {index}: {reply.detail}",
                                   _short(item.replies[index])))
            for parsed in outcome.parsed:
                out += [dropped("case_missing_keys", "a case lacks `input` or `output`", _short(json.dumps(case)))
                        for case in parsed.bad_cases]
                out += [dropped("network_line_removed", line.strip()) for line in parsed.stripped_lines]
            result = outcome.result
            if result is not None:
                out += [dropped("case_disagreed", f"no function returned {c.output!r}" if cfg.variant == "code"
                                else f"{c.agreeing} of {len(result.funcs)} functions agree",
                                _short(json.dumps([c.input, c.output], default=str)))
                        for c in result.cases if not c.kept]
                out += [FunctionVerdict(parents=[item], instruction=item.instruction, func=f.func,
                                        accuracy=f.accuracy, kept=f.kept, cases_evaluated=len(result.kept_cases),
                                        errors=f.errors) for f in result.funcs]
            if outcome.reason is not None:
                out.append(dropped(outcome.reason, outcome.detail))
                continue
            out.append(VerifiedInstruction(
                parents=[item], instruction=item.instruction,
                eval_funcs=[ScoredFunction(func=f, accuracy=a) for f, a in outcome.survivors],
                cases=[Case(input=c.input, output=c.output) for c in result.kept_cases]))
        return out


# -- step 4: back-translation -----------------------------------------------------------------------------------


class BackTranslatorConfig(SamplingConfig):
    temperature: float = Field(default=0.0, ge=0.0)
    functions: int = Field(default=3, ge=1)
    judge: Literal["model", "classifier", "none"] = "model"
    judge_model: str | None = None
    nli_model: str | None = None
    unparsed: Literal["drop", "keep"] = "drop"

    def model_post_init(self, __context: Any) -> None:
        if self.judge == "classifier" and not self.nli_model:
            raise ValueError("judge 'classifier' needs `nli_model`, a local model directory")


class BackTranslator(Agent):
    """Turns the first functions back into instructions and drops the instruction if any contradicts it.

    A reply that is not a list of instructions drops the instruction, as in the reference; `unparsed: keep` lets it
    through unchecked (labelled "unparsed"), for weak models that rarely write the list.
    """

    name = "autoif.back_translator"
    consumes = (VerifiedInstruction,)
    produces = (CheckedInstruction, Dropped)
    Config = BackTranslatorConfig
    batch_size = 16

    async def handle(self, batch: list[VerifiedInstruction], ctx: Context) -> list[Message]:
        cfg = self.config
        requests = [sampling_request(prompts.back_translation([(f.func, f.accuracy)
                                                               for f in m.eval_funcs[:cfg.functions]]),
                                     cfg, ctx.seed_for(m.id)) for m in batch]
        replies = await ctx.model().generate(requests)
        out: list[Message] = []
        pending: list[tuple[VerifiedInstruction, list[str]]] = []
        for item, reply in zip(batch, replies):
            text = reply.texts()[0]
            back = parse_back_translation(text)
            if back is None and cfg.unparsed == "keep":
                out.append(CheckedInstruction(parents=[item], instruction=item.instruction,
                                              eval_funcs=item.eval_funcs, cases=item.cases, nli_labels=["unparsed"]))
            elif back is None:
                out.append(Dropped(parents=[item], stage="back_translation", reason="back_translation_unparsed",
                                   detail="the reply is not a JSON list of instructions", subject=_short(text)))
            else:
                pending.append((item, back[:cfg.functions]))
        pairs = [(item.instruction, back) for item, backs in pending for back in backs]
        labels = iter(await self._judge(pairs, ctx))
        for item, backs in pending:
            found = [next(labels) for _ in backs]
            if "contradiction" in found:
                out.append(Dropped(parents=[item], stage="back_translation", reason="contradiction",
                                   detail=json.dumps(dict(zip(backs, found))), subject=item.instruction))
                continue
            out.append(CheckedInstruction(parents=[item], instruction=item.instruction, eval_funcs=item.eval_funcs,
                                          cases=item.cases, back_instructions=backs, nli_labels=found))
        return out

    async def _judge(self, pairs: list[tuple[str, str]], ctx: Context) -> list[str]:
        cfg = self.config
        return await nli_labels(pairs, cfg.judge, client=ctx.model(cfg.judge_model) if cfg.judge == "model" else None,
                                nli_model=ctx.resolve_path(cfg.nli_model) if cfg.nli_model else None)


# -- step 5: queries and responses ------------------------------------------------------------------------------


class QueryPairerConfig(AgentConfig):
    queries: str
    field: str = "query"
    per_instruction: int = Field(default=16, ge=1)
    min_chars: int = Field(default=20, ge=0)
    max_chars: int = Field(default=300, ge=1)


class QueryPairer(Agent):
    """Pairs each instruction with queries sampled (seeded by the instruction) from a pool of user queries.

    The pool keeps queries strictly between `min_chars` and `max_chars` long, as the reference does with ShareGPT.
    """

    name = "autoif.query_pairer"
    consumes = (CheckedInstruction,)
    produces = (Query, Dropped)
    Config = QueryPairerConfig

    def __init__(self, config: AgentConfig | None = None) -> None:
        super().__init__(config)
        self._pool: list[str] | None = None

    def _queries(self, ctx: Context) -> list[str]:
        if self._pool is None:
            cfg = self.config
            self._pool = formats.read_query_pool(ctx.resolve_path(cfg.queries), cfg.field, cfg.min_chars,
                                                 cfg.max_chars)
        return self._pool

    def handle(self, batch: list[CheckedInstruction], ctx: Context) -> list[Message]:
        pool = self._queries(ctx)
        out: list[Message] = []
        for item in batch:
            if not pool:
                out.append(Dropped(parents=[item], stage="query_pairing", reason="no_queries",
                                   detail=f"no query in {self.config.queries} has a usable length",
                                   subject=item.instruction))
                continue
            picked = ctx.rng(item.id).sample(pool, min(self.config.per_instruction, len(pool)))
            out += [Query(parents=[item], instruction=item.instruction, query=q, eval_funcs=item.eval_funcs,
                          prompt=prompts.respond(item.instruction, q)) for q in picked]
        return out


class ResponderConfig(SamplingConfig):
    samples: int = Field(default=4, ge=1)
    max_prompt_chars: int = Field(default=8000, ge=1)


class Responder(Agent):
    """Samples K responses per (instruction, query) prompt, refusing prompts that do not fit the context."""

    name = "autoif.responder"
    consumes = (Query,)
    produces = (ResponseSet, Dropped)
    Config = ResponderConfig

    async def handle(self, batch: list[Query], ctx: Context) -> list[Message]:
        cfg = self.config
        out: list[Message] = []
        fitting = []
        for item in batch:
            if len(item.prompt) > cfg.max_prompt_chars:
                out.append(Dropped(parents=[item], stage="responder", reason="prompt_too_long",
                                   detail=f"{len(item.prompt)} characters (max_prompt_chars {cfg.max_prompt_chars})",
                                   subject=_short(item.query)))
            else:
                fitting.append(item)
        replies = await ctx.model().generate([sampling_request(m.prompt, cfg, ctx.seed_for(m.id)) for m in fitting])
        for item, reply in zip(fitting, replies):
            out.append(self._result(item, reply))
        return out

    @staticmethod
    def _result(item: Query, reply: GenerateResponse) -> Message:
        if reply.truncated_prompt:
            return Dropped(parents=[item], stage="responder", reason="prompt_truncated",
                           detail="the prompt was longer than the model's context", subject=_short(item.query))
        return ResponseSet(parents=[item], instruction=item.instruction, query=item.query, prompt=item.prompt,
                           eval_funcs=item.eval_funcs, responses=reply.texts())


# -- step 6: execution-feedback rejection sampling -------------------------------------------------------------


class RejectionSamplerConfig(AgentConfig):
    pass_rate_above: float = Field(default=0.0, ge=0.0, le=1.0)
    timeout_s: float = Field(default=5.0, gt=0)


class RejectionSampler(Agent):
    """Runs every function on every response; keeps responses whose pass rate is above the threshold.

    The reference code keeps pass rate > 0, the paper > 0.5 (`pass_rate_above: 0.5`). Every response is also
    reported with its pass rate in an `autoif.scored_query`, which the DPO builder consumes.
    """

    name = "autoif.rejection_sampler"
    consumes = (ResponseSet,)
    produces = (ScoredQuery, PassedResponse, Dropped)
    Config = RejectionSamplerConfig
    batch_size = 16

    async def handle(self, batch: list[ResponseSet], ctx: Context) -> list[Message]:
        cfg = self.config
        rates = await pass_rates_many([([f.func for f in m.eval_funcs], m.responses) for m in batch],
                                      context_evaluator(ctx, cfg.timeout_s))
        out: list[Message] = []
        for item, item_rates in zip(batch, rates):
            out.append(ScoredQuery(parents=[item], instruction=item.instruction, query=item.query,
                                   responses=[ScoredResponse(response=r, pass_rate=p)
                                              for r, p in zip(item.responses, item_rates)]))
            seen: set[str] = set()
            for response, rate in zip(item.responses, item_rates):
                if rate <= cfg.pass_rate_above:
                    out.append(Dropped(parents=[item], stage="rejection_sampling", reason="low_pass_rate",
                                       detail=f"pass rate {rate:.2f} (needs > {cfg.pass_rate_above})",
                                       subject=_short(response)))
                elif response in seen:
                    out.append(Dropped(parents=[item], stage="rejection_sampling", reason="duplicate_response",
                                       subject=_short(response)))
                else:
                    seen.add(response)
                    out.append(PassedResponse(parents=[item], instruction=item.instruction, query=item.query,
                                              response=response, pass_rate=rate))
        return out


# -- step 7: quality judge --------------------------------------------------------------------------------------


class QualityScorerConfig(SamplingConfig):
    score_above: float = Field(default=8.0, ge=0.0)
    temperature: float = Field(default=0.0, ge=0.0)


class QualityScorer(Agent):
    """An LLM judge scores each passed response 0-10 (`Score: N` on the last line); keeps means above 8."""

    name = "autoif.quality_scorer"
    consumes = (PassedResponse,)
    produces = (SFTExample, Dropped)
    Config = QualityScorerConfig

    async def handle(self, batch: list[PassedResponse], ctx: Context) -> list[Message]:
        cfg = self.config
        replies = await ctx.model().generate([
            sampling_request(prompts.quality_judge(m.instruction, m.query, m.response), cfg, ctx.seed_for(m.id))
            for m in batch])
        out: list[Message] = []
        for item, reply in zip(batch, replies):
            parsed = [parse_score(text) for text in reply.texts()]
            scores = [s for s in parsed if s is not None]
            mean = mean_score(parsed)
            if mean > cfg.score_above:
                out.append(SFTExample(parents=[item], instruction=item.instruction, query=item.query,
                                      response=item.response, pass_rate=item.pass_rate, scores=scores,
                                      mean_score=mean))
            else:
                reason = "low_quality_score" if scores else "no_score"
                out.append(Dropped(parents=[item], stage="quality", reason=reason, subject=_short(item.response),
                                   detail=f"mean score {mean:.2f} (needs > {cfg.score_above}); judge said "
                                          f"{_short(reply.texts()[0], 200)!r}"))
        return out


# -- step 8: DPO pairs -----------------------------------------------------------------------------------------


class DPOBuilderConfig(AgentConfig):
    positive_at: float = Field(default=0.5, ge=0.0, le=1.0)
    negative_at: float = Field(default=0.0, ge=0.0, le=1.0)

    def model_post_init(self, __context: Any) -> None:
        if self.negative_at >= self.positive_at:
            raise ValueError("negative_at must be below positive_at")


class DPOBuilder(Agent):
    """Pairs responses passing at least half the functions with responses passing none (up to 2 x 2 per query)."""

    name = "autoif.dpo_builder"
    consumes = (ScoredQuery,)
    produces = (DPOPair, Dropped)
    Config = DPOBuilderConfig
    batch_size = 64

    def handle(self, batch: list[ScoredQuery], ctx: Context) -> list[Message]:
        cfg = self.config
        out: list[Message] = []
        for item in batch:
            rates = {r.response: r.pass_rate for r in item.responses}
            pairs = dpo_pairs([(r.response, r.pass_rate) for r in item.responses], ctx.rng(item.id),
                              cfg.positive_at, cfg.negative_at)
            if not pairs:
                out.append(Dropped(parents=[item], stage="dpo", reason="no_pair", subject=_short(item.query),
                                   detail="pass rates " + ", ".join(f"{r.pass_rate:.2f}" for r in item.responses)))
            out += [DPOPair(parents=[item], instruction=item.instruction, query=item.query, chosen=c, rejected=r,
                            chosen_pass_rate=rates[c], rejected_pass_rate=rates[r]) for c, r in pairs]
        return out


AGENTS: tuple[type[Agent], ...] = (InstructionWriter, DedupInstructions, VerifierWriter, CrossValidator,
                                   BackTranslator, QueryPairer, Responder, RejectionSampler, QualityScorer,
                                   DPOBuilder)
