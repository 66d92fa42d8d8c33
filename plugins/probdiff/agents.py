"""The probdiff agents: each model evaluates itself on every query, then the comparer ranks the models."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from synthloom import Agent, AgentConfig, Context, Dropped, Message, Prompt, SamplingConfig
from synthloom.plugins.probdiff import parsing
from synthloom.plugins.probdiff.evaluation import MAX_LENGTH, Settings, evaluate
from synthloom.plugins.probdiff.kinds import Comparison, Evaluation, Ranking


class EvaluateConfig(SamplingConfig.with_defaults(temperature=0.7, max_tokens=1024)):
    """`temperature`/`max_tokens` are the answer's; the revision has its own (the reference's 0.1 and 1,024)."""

    revise_temperature: float = Field(default=0.1, ge=0.0)
    revise_max_tokens: int = Field(default=1024, ge=1)
    iterations: int = Field(default=1, ge=1, description="revisions, each rewriting the one before (reference: 1)")
    rewriter: Literal["default", "translation"] = "default"
    prefix: str = Field(default="auto", description="what scores are conditioned on: auto (the chat prompt the "
                                                    "model answered), wizardlm, tulu, yi, llama2, chatml, or a "
                                                    "template with {query}")
    max_length: int = Field(default=MAX_LENGTH, ge=2, description="scoring truncation, in tokens")
    threshold: float = Field(default=parsing.TIE_THRESHOLD, ge=0.0)

    @model_validator(mode="after")
    def _one_answer(self) -> "EvaluateConfig":
        if self.samples != 1:
            raise ValueError("ProbDiff evaluates one answer per query: leave `samples` at 1")
        return self

    def settings(self) -> Settings:
        revise = SamplingConfig(temperature=self.revise_temperature, top_p=self.top_p,
                                max_tokens=self.revise_max_tokens)
        answer = SamplingConfig(temperature=self.temperature, top_p=self.top_p, max_tokens=self.max_tokens)
        return Settings(answer=answer, revise=revise, iterations=self.iterations, rewriter=self.rewriter,
                        prefix=self.prefix, max_length=self.max_length, threshold=self.threshold)


class Evaluate(Agent):
    """The agent's model answers each prompt, rewrites its answer with ProbDiff's Response Rewriter, and scores
    both with teacher forcing. Give one such agent per model to compare (`model:`), then `probdiff.compare`."""

    name = "probdiff.evaluate"
    consumes = (Prompt,)
    produces = (Evaluation,)
    Config = EvaluateConfig
    batch_size = 16
    concurrency = 1

    async def handle(self, batch: list[Prompt], ctx: Context) -> list[Evaluation]:
        client = ctx.model()
        found = await evaluate(client, [p.instruction for p in batch], [ctx.seed_for(p.id) for p in batch],
                               self.config.settings())
        return [Evaluation(parents=[p], model=client.name, **fields) for p, fields in zip(batch, found)]


class CompareConfig(AgentConfig):
    threshold: float = Field(default=parsing.TIE_THRESHOLD, ge=0.0, description="ProbDiff differences up to this "
                                                                                  "are ties")


class Compare(Agent):
    """Ranks the evaluated models per query and overall; a query some model did not answer is dropped."""

    name = "probdiff.compare"
    consumes = (Evaluation,)
    produces = (Comparison, Ranking)
    Config = CompareConfig
    barrier = True

    def handle(self, batch: list[Evaluation], ctx: Context) -> list[Message]:
        threshold = self.config.threshold
        models = sorted({e.model for e in batch})
        grouped: dict[str, dict[str, Evaluation]] = {}
        out: list[Message] = []
        for item in sorted(batch, key=lambda e: e.id):
            seen = grouped.setdefault(item.query, {})
            if item.model in seen:
                out.append(Dropped(parents=[item], stage=ctx.agent, reason="duplicate_query",
                                   detail=f"model {item.model!r} already evaluated this query", subject=item.query[:200]))
            else:
                seen[item.model] = item
        values: list[dict[str, float]] = []
        for query, found in grouped.items():
            if len(found) < len(models):
                missing = ", ".join(m for m in models if m not in found)
                out += [Dropped(parents=[e], stage=ctx.agent, reason="missing_models",
                                detail=f"not evaluated by {missing}", subject=query[:200]) for e in found.values()]
                continue
            scores = {m: e.probdiff for m, e in found.items()}
            order, best = parsing.query_order(scores, threshold)
            out.append(Comparison(parents=list(found.values()), query=query, probdiff=scores, ranked=order,
                                  best=best))
            values.append(scores)
        rows = [s.as_row(rank) for rank, s in enumerate(parsing.rank_models(values, threshold), 1)]
        if batch:
            out.append(Ranking(parents=[e.id for e in batch], tie_threshold=threshold, queries=len(values), rows=rows,
                               incomplete=len(grouped) - len(values)))
        return out
