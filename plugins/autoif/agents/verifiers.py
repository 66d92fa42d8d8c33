"""Steps 2-4 of AutoIF: write verification functions with test cases, cross-validate them in the sandbox, and
check the survivors by back-translation (`code/2_…`, `3_cross_validation.py`, `4_…backtranslator.py`,
`5_…_filter.py`)."""

from __future__ import annotations

import json
from typing import Literal

from pydantic import Field, model_validator

from synthloom import Agent, Context, Dropped, GenerateRequest, Message, SamplingConfig
from synthloom.plugins.autoif import fewshot, prompts
from synthloom.plugins.autoif.kinds import (
    Case,
    CheckedInstruction,
    FunctionVerdict,
    Instruction,
    ScoredFunction,
    VerifiedInstruction,
    VerifierSet,
)
from synthloom.plugins.autoif.nli import nli_labels
from synthloom.plugins.autoif.parsing.replies import excerpt, parse_back_translation
from synthloom.plugins.autoif.structured import (
    VERIFIER_SCHEMA,
    StructuredConfig,
    back_translation_schema,
    constraint,
)
from synthloom.plugins.autoif.verification import (
    CrossValidationOutcome,
    CrossValidatorConfig,
    context_evaluator,
    cross_validate_many,
)


class VerifierWriterConfig(StructuredConfig, SamplingConfig.with_defaults(samples=8, max_tokens=1024)):
    """`samples` is K, the replies per instruction; `shots`, the examples in a base model's prompt."""

    shots: int = Field(default=3, ge=1, le=len(fewshot.VERIFIERS))


class VerifierWriter(Agent):
    """Samples K replies per instruction, each a JSON object with an `evaluate` function and three test cases.

    A chat model gets the paper's prompt; a base model the nearest examples as one-line JSON objects to continue
    (ending at the line's end). With `structured` the reply is decoded under the JSON schema of that object, so
    it is bare JSON, and the set says so (`json_only`): the cross-validator then does not look for a fence.
    """

    name = "autoif.verifier_writer"
    consumes = (Instruction,)
    produces = (VerifierSet,)
    Config = VerifierWriterConfig
    batch_size = 16

    async def handle(self, batch: list[Instruction], ctx: Context) -> list[Message]:
        cfg = self.config
        completion = ctx.model().prompt_style == "completion"
        texts = [fewshot.verifier(item.text, cfg.shots) if completion else prompts.verifier(item.text)
                 for item in batch]
        fields = dict(style="completion", stop=fewshot.STOP_LINE) if completion else {}
        replies = await ctx.model().generate([
            cfg.request(t, seed=ctx.seed_for(i.id), **fields, **constraint(cfg.structured, json_schema=VERIFIER_SCHEMA))
            for t, i in zip(texts, batch)])
        return [VerifierSet(parents=[item], instruction=item.text, prompt=text, replies=reply.texts(),
                            json_only=completion or cfg.structured)
                for item, text, reply in zip(batch, texts, replies)]


class CrossValidator(Agent):
    """Runs every unique function on every unique case; keeps agreeing cases and accurate functions."""

    name = "autoif.cross_validator"
    consumes = (VerifierSet,)
    produces = (VerifiedInstruction, FunctionVerdict)
    Config = CrossValidatorConfig
    batch_size = 8

    async def handle(self, batch: list[VerifierSet], ctx: Context) -> list[Message]:
        cfg = self.config
        outcomes = await cross_validate_many([(m.instruction, m.replies, m.json_only) for m in batch],
                                             context_evaluator(ctx, cfg.timeout_s), cfg)
        return [message for item, outcome in zip(batch, outcomes) for message in self._messages(item, outcome)]

    def _messages(self, item: VerifierSet, outcome: CrossValidationOutcome) -> list[Message]:
        """Every rejected reply, case and function of one instruction, then the instruction's own fate."""
        def dropped(reason: str, detail: str, subject: str = "") -> Dropped:
            return Dropped(parents=[item], stage="cross_validation", reason=reason, detail=detail,
                           subject=subject or item.instruction)

        out: list[Message] = [dropped(reply.error or "rejected", f"reply {index}: {reply.detail}",
                                      excerpt(item.replies[index]))
                              for index, reply in outcome.candidates.rejected]
        for parsed in outcome.parsed:
            out += [dropped("case_missing_keys", "a case lacks `input` or `output`", excerpt(json.dumps(case)))
                    for case in parsed.bad_cases]
            out += [dropped("network_line_removed", line.strip()) for line in parsed.stripped_lines]
        result = outcome.result
        if result is not None:
            out += [dropped("case_disagreed", f"no function returned {c.output!r}" if self.config.variant == "code"
                            else f"{c.agreeing} of {len(result.funcs)} functions agree",
                            excerpt(json.dumps([c.input, c.output], default=str)))
                    for c in result.cases if not c.kept]
            out += [FunctionVerdict(parents=[item], instruction=item.instruction, func=f.func, accuracy=f.accuracy,
                                    kept=f.kept, cases_evaluated=len(result.kept_cases), errors=f.errors)
                    for f in result.funcs]
        if outcome.verdict is not None:
            return [*out, dropped(*outcome.verdict)]
        assert result is not None
        return [*out, VerifiedInstruction(
            parents=[item], instruction=item.instruction,
            eval_funcs=[ScoredFunction(func=f, accuracy=a) for f, a in outcome.survivors],
            cases=[Case(input=c.input, output=c.output) for c in result.kept_cases])]


class BackTranslatorConfig(StructuredConfig, SamplingConfig.with_defaults(temperature=0.0)):
    functions: int = Field(default=3, ge=1)
    judge: Literal["model", "classifier", "none"] = "model"
    judge_model: str | None = None
    nli_model: str | None = None
    unparsed: Literal["drop", "keep"] = "drop"

    @model_validator(mode="after")
    def _classifier_has_a_model(self) -> "BackTranslatorConfig":
        if self.judge == "classifier" and not self.nli_model:
            raise ValueError("judge 'classifier' needs `nli_model`, a local model directory")
        return self


class BackTranslator(Agent):
    """Turns the first functions back into instructions and drops the instruction if any contradicts it.

    A reply that is not a list of instructions drops the instruction, as in the reference; `unparsed: keep` lets it
    through unchecked (labelled "unparsed"), for weak models that rarely write the list. A base model gets solved
    examples (functions, then their instructions as a JSON list) to continue; with `structured` the reply is
    decoded as a JSON list of at most `functions` strings.
    """

    name = "autoif.back_translator"
    consumes = (VerifiedInstruction,)
    produces = (CheckedInstruction,)
    Config = BackTranslatorConfig
    batch_size = 16

    async def handle(self, batch: list[VerifiedInstruction], ctx: Context) -> list[Message]:
        cfg = self.config
        replies = await ctx.model().generate([self._request(m, ctx) for m in batch])
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
                                   detail="the reply is not a JSON list of instructions", subject=excerpt(text)))
            else:
                pending.append((item, back[:cfg.functions]))
        labels = iter(await self._judge([(item.instruction, back) for item, backs in pending for back in backs], ctx))
        for item, backs in pending:
            found = [next(labels) for _ in backs]
            if "contradiction" in found:
                out.append(Dropped(parents=[item], stage="back_translation", reason="contradiction",
                                   detail=json.dumps(dict(zip(backs, found))), subject=item.instruction))
            else:
                out.append(CheckedInstruction(parents=[item], instruction=item.instruction,
                                              eval_funcs=item.eval_funcs, cases=item.cases, back_instructions=backs,
                                              nli_labels=found))
        return out

    def _request(self, item: VerifiedInstruction, ctx: Context) -> GenerateRequest:
        cfg = self.config
        funcs = item.eval_funcs[:cfg.functions]
        shape = constraint(cfg.structured, json_schema=back_translation_schema(len(funcs)))
        if ctx.model().prompt_style == "completion":
            return cfg.request(fewshot.back_translation([f.func for f in funcs]), seed=ctx.seed_for(item.id),
                               style="completion", stop=fewshot.STOP_LINE, **shape)
        return cfg.request(prompts.back_translation([(f.func, f.accuracy) for f in funcs]), seed=ctx.seed_for(item.id),
                           **shape)

    async def _judge(self, pairs: list[tuple[str, str]], ctx: Context) -> list[str]:
        cfg = self.config
        return await nli_labels(pairs, cfg.judge, client=ctx.model(cfg.judge_model) if cfg.judge == "model" else None,
                                nli_model=ctx.resolve_path(cfg.nli_model) if cfg.nli_model else None,
                                structured=cfg.structured)
