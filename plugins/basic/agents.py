"""Agents of the basic plugin."""

from __future__ import annotations

import json
import re

from pydantic import Field

from synthloom.agents import Agent, AgentConfig, SourceConfig
from synthloom.context import Context
from synthloom.errors import ConfigError
from synthloom.plugins.basic.kinds import Generated, Judged, Prompt


class LoadJSONLConfig(SourceConfig):
    path: str
    field: str = "instruction"
    limit: int | None = Field(default=None, ge=0)


class LoadJSONL(Agent):
    """Reads prompts from a JSONL (or JSON list) file, one message per row."""

    name = "basic.load_jsonl"
    produces = (Prompt,)
    Config = LoadJSONLConfig

    def produce(self, ctx: Context) -> list[Prompt]:
        path = ctx.resolve_path(self.config.path)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ConfigError(f"data file {str(path)!r} does not exist", where=f"agent {ctx.agent!r}: path") from None
        except UnicodeDecodeError as error:
            raise ConfigError(f"data file {str(path)!r} is not UTF-8: {error}") from None
        if text.lstrip().startswith("["):
            rows = [(i + 1, row) for i, row in enumerate(json.loads(text))]
        else:
            rows = []
            for number, line in enumerate(text.splitlines(), 1):
                if line.strip():
                    try:
                        rows.append((number, json.loads(line)))
                    except json.JSONDecodeError as error:
                        raise ConfigError(f"invalid JSON: {error.msg}", where=f"{path}:{number}") from None
        if self.config.limit is not None:
            rows = rows[: self.config.limit]
        prompts = []
        for number, row in rows:
            if not isinstance(row, dict) or not isinstance(row.get(self.config.field), str):
                raise ConfigError(f"row has no string field {self.config.field!r}", where=f"{path}:{number}",
                                  hint="set `field:` to the name of the instruction field")
            extra = {k: v for k, v in row.items() if k != self.config.field}
            prompts.append(Prompt(instruction=row[self.config.field], extra=extra))
        return prompts


class GenerateConfig(AgentConfig):
    template: str = "{instruction}"
    system: str | None = None
    temperature: float = 0.0
    max_tokens: int = Field(default=256, ge=1)


class Generate(Agent):
    """Answers each prompt with the agent's model."""

    name = "basic.generate"
    consumes = (Prompt,)
    produces = (Generated,)
    Config = GenerateConfig
    batch_size = 64
    concurrency = 4

    async def handle(self, batch: list[Prompt], ctx: Context) -> list[Generated]:
        cfg = self.config
        responses = await ctx.model().chat([cfg.template.format(instruction=p.instruction, **p.extra) for p in batch],
                                           system=cfg.system, seeds=[ctx.seed_for(p.id) for p in batch],
                                           temperature=cfg.temperature, max_tokens=cfg.max_tokens)
        return [Generated(parents=[prompt], instruction=prompt.instruction, response=response.texts()[0])
                for prompt, response in zip(batch, responses)]


class JudgeConfig(AgentConfig):
    template: str = ("Rate the response to the instruction from 0 to 10.\nInstruction: {instruction}\n"
                     "Response: {response}\nEnd with a line 'Score: N'.")
    pattern: str = r"Score:\s*(\d+(?:\.\d+)?)"
    max_tokens: int = Field(default=128, ge=1)


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
        responses = await ctx.model().chat([cfg.template.format(instruction=g.instruction, response=g.response)
                                            for g in batch], max_tokens=cfg.max_tokens)
        pattern = re.compile(cfg.pattern)
        out = []
        for item, response in zip(batch, responses):
            text = response.texts()[0]
            scores = pattern.findall(text)
            out.append(Judged(parents=[item], instruction=item.instruction, response=item.response,
                              score=float(scores[-1]) if scores else None, judgement=text))
        return out


class FilterConfig(AgentConfig):
    min_score: float | None = None
    max_response_chars: int | None = None


class Filter(Agent):
    """Marks judged items as kept or dropped (both are stored, so that the reason stays queryable)."""

    name = "basic.filter"
    consumes = (Judged,)
    produces = (Judged,)
    Config = FilterConfig
    batch_size = 256

    def handle(self, batch: list[Judged], ctx: Context) -> list[Judged]:
        cfg = self.config
        out = []
        for item in batch:
            keep = True
            if cfg.min_score is not None:
                keep = item.score is not None and item.score >= cfg.min_score
            if cfg.max_response_chars is not None:
                keep = keep and len(item.response) <= cfg.max_response_chars
            out.append(item.model_copy(update={"parents": [item.id], "keep": keep, "id": ""}))
        return out

