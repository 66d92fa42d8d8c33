"""Steps 5-6 of AutoIF: pair instructions with user queries, sample responses, and keep those the verifiers pass
(`code/6_concat_sharegpt_query.py`, `7_query_vertification.py`, `code_dpo/1_dpo_rft_wash.py`)."""

from __future__ import annotations

from pydantic import Field

from synthloom import Agent, AgentConfig, Context, DataFile, Dropped, GenerateResponse, Message, SamplingConfig
from synthloom.plugins.autoif import fewshot, prompts
from synthloom.plugins.autoif.formats import read_query_pool
from synthloom.plugins.autoif.kinds import (
    CheckedInstruction,
    PassedResponse,
    Query,
    ResponseSet,
    ScoredQuery,
    ScoredResponse,
)
from synthloom.plugins.autoif.parsing.decisions import rejection_verdicts
from synthloom.plugins.autoif.parsing.replies import excerpt
from synthloom.plugins.autoif.verification import context_evaluator, pass_rates_many


class QueryPairerConfig(AgentConfig):
    queries: DataFile
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
    produces = (Query,)
    Config = QueryPairerConfig

    def __init__(self, config: AgentConfig | None = None) -> None:
        super().__init__(config)
        self._pool: list[str] | None = None

    def _queries(self, ctx: Context) -> list[str]:
        if self._pool is None:
            cfg = self.config
            self._pool = read_query_pool(ctx.resolve_path(cfg.queries), cfg.field, cfg.min_chars, cfg.max_chars)
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


class ResponderConfig(SamplingConfig.with_defaults(samples=4)):
    max_prompt_chars: int = Field(default=8000, ge=1)


class Responder(Agent):
    """Samples K responses per (instruction, query) prompt, refusing prompts that do not fit the context.

    A chat model gets the paper's prompt (the query's `prompt`); a base model solved examples to continue, and its
    answer without the space after `Answer:`.
    """

    name = "autoif.responder"
    consumes = (Query,)
    produces = (ResponseSet,)
    Config = ResponderConfig

    async def handle(self, batch: list[Query], ctx: Context) -> list[Message]:
        cfg = self.config
        completion = ctx.model().prompt_style == "completion"
        out: list[Message] = []
        fitting: list[tuple[Query, str]] = []
        for item in batch:
            prompt = fewshot.respond(item.instruction, item.query) if completion else item.prompt
            if len(prompt) > cfg.max_prompt_chars:
                out.append(Dropped(parents=[item], stage="responder", reason="prompt_too_long",
                                   detail=f"{len(prompt)} characters (max_prompt_chars {cfg.max_prompt_chars})",
                                   subject=excerpt(item.query)))
            else:
                fitting.append((item, prompt))
        fields = dict(style="completion", stop=fewshot.STOP_BLOCK) if completion else {}
        replies = await ctx.model().generate([cfg.request(p, seed=ctx.seed_for(m.id), **fields) for m, p in fitting])
        return out + [self._result(item, prompt, reply, completion)
                      for (item, prompt), reply in zip(fitting, replies)]

    @staticmethod
    def _result(item: Query, prompt: str, reply: GenerateResponse, completion: bool) -> Message:
        if reply.truncated_prompt:
            return Dropped(parents=[item], stage="responder", reason="prompt_truncated",
                           detail="the prompt was longer than the model's context", subject=excerpt(item.query))
        texts = [t.strip() for t in reply.texts()] if completion else reply.texts()
        return ResponseSet(parents=[item], instruction=item.instruction, query=item.query, prompt=prompt,
                           eval_funcs=item.eval_funcs, responses=texts)


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
    produces = (ScoredQuery, PassedResponse)
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
            verdicts = rejection_verdicts(item.responses, item_rates, cfg.pass_rate_above)
            for response, rate, verdict in zip(item.responses, item_rates, verdicts):
                if verdict is None:
                    out.append(PassedResponse(parents=[item], instruction=item.instruction, query=item.query,
                                              response=response, pass_rate=rate))
                else:
                    out.append(Dropped(parents=[item], stage="rejection_sampling", reason=verdict.reason,
                                       detail=verdict.detail, subject=excerpt(response)))
        return out
