"""The source agent: Alpaca-format files in, `selection.sample` messages out."""

from __future__ import annotations

from pydantic import Field

from synthloom.agents import Agent, SourceConfig
from synthloom.context import Context
from synthloom.plugins.selection.data import read_alpaca
from synthloom.plugins.selection.kinds import Sample


class LoadAlpacaConfig(SourceConfig):
    path: str
    limit: int | None = Field(default=None, ge=0)


class LoadAlpaca(Agent):
    """Reads Alpaca-format samples (JSON list or JSONL of instruction, input, output)."""

    name = "selection.load_alpaca"
    produces = (Sample,)
    Config = LoadAlpacaConfig

    def produce(self, ctx: Context) -> list[Sample]:
        items = read_alpaca(ctx.resolve_path(self.config.path), self.config.limit)
        return [Sample(instruction=i.instruction, input=i.input, output=i.output) for i in items]
