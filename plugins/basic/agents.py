"""Agents of the basic plugin: the reference example of the plugin shape for authors."""

from __future__ import annotations

from typing import Iterator

from pydantic import Field

from synthloom import (
    Agent,
    AgentConfig,
    Context,
    Dropped,
    FileSourceConfig,
    Message,
    Row,
    RowError,
    SamplingConfig,
    messages_from_file,
)
from synthloom.plugins.basic import prompts
from synthloom.plugins.basic.kinds import Generated, Judged, Prompt
from synthloom.plugins.basic.parsing import filter_verdict, parse_score


class LoadJSONLConfig(FileSourceConfig):
    field: str = "instruction"


class LoadJSONL(Agent):
    """Reads prompts from a JSONL, JSON-list or Parquet file, one message per row."""

    name = "basic.load_jsonl"
    produces = (Prompt,)
    Config = LoadJSONLConfig

    def produce(self, ctx: Context) -> Iterator[Message]:
        return messages_from_file(ctx, self.config, self.convert)

    def convert(self, row: Row) -> Prompt:
        field = self.config.field
        if not isinstance(row.value.get(field), str):
            raise RowError("missing_field", f"row has no string field {field!r}", where=row.where,
                           hint="set `field:` to the name of the instruction field")
        return Prompt(instruction=row.value[field], extra={k: v for k, v in row.value.items() if k != field})


class GenerateConfig(SamplingConfig.with_defaults(temperature=0.0, max_tokens=256)):
    template: str = prompts.GENERATE
    system: str | None = None


class Generate(Agent):
    """Answers each prompt with the agent's model; `samples: N` gives N replies per prompt."""

    name = "basic.generate"
    consumes = (Prompt,)
    produces = (Generated,)
    Config = GenerateConfig
    batch_size = 64
    concurrency = 4

    async def handle(self, batch: list[Prompt], ctx: Context) -> list[Generated]:
        cfg = self.config
        requests = [cfg.request(cfg.template.format(instruction=p.instruction, **p.extra), system=cfg.system,
                                seed=ctx.seed_for(p.id)) for p in batch]
        responses = await ctx.model().generate(requests)
        return [Generated(parents=[prompt], instruction=prompt.instruction, response=text)
                for prompt, response in zip(batch, responses) for text in response.texts()]


class JudgeConfig(SamplingConfig.with_defaults(temperature=0.0, max_tokens=128)):
    template: str = prompts.JUDGE
    pattern: str = prompts.SCORE_PATTERN


class Judge(Agent):
    """Asks the agent's model for a score and parses it from the reply (the last match of `pattern`)."""

    name = "basic.judge"
    consumes = (Generated,)
    produces = (Judged,)
    Config = JudgeConfig
    batch_size = 64
    concurrency = 4

    async def handle(self, batch: list[Generated], ctx: Context) -> list[Judged]:
        cfg = self.config
        responses = await ctx.model().generate([
            cfg.request(cfg.template.format(instruction=g.instruction, response=g.response), seed=ctx.seed_for(g.id),
                        n=1) for g in batch])
        out = []
        for item, response in zip(batch, responses):
            text = response.texts()[0]
            out.append(Judged(parents=[item], instruction=item.instruction, response=item.response,
                              score=parse_score(text, cfg.pattern), judgement=text))
        return out


class FilterConfig(AgentConfig):
    min_score: float | None = None
    max_response_chars: int | None = Field(default=None, ge=0)


class Filter(Agent):
    """Passes judged items on, or records them as dropped with the reason (score too low, no score, too long)."""

    name = "basic.filter"
    consumes = (Judged,)
    produces = (Judged,)
    Config = FilterConfig
    batch_size = 256

    def handle(self, batch: list[Judged], ctx: Context) -> list[Message]:
        cfg = self.config
        out: list[Message] = []
        for item in batch:
            verdict = filter_verdict(item.score, item.response, min_score=cfg.min_score,
                                     max_response_chars=cfg.max_response_chars)
            if verdict is None:
                out.append(item.model_copy(update={"parents": [item.id], "id": ""}))
            else:
                out.append(Dropped(parents=[item], stage=ctx.agent, reason=verdict[0], detail=verdict[1],
                                   subject=item.instruction[:200]))
        return out
