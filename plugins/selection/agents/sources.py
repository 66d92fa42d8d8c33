"""The source agent: Alpaca-format files in, `selection.sample` messages out."""

from __future__ import annotations

from itertools import islice

from pydantic import Field

from synthloom import Agent, Context, DataFile, SourceConfig, read_rows
from synthloom.plugins.selection.kinds import Sample
from synthloom.plugins.selection.parsing import alpaca_item


class LoadAlpacaConfig(SourceConfig):
    path: DataFile
    limit: int | None = Field(default=None, ge=0)


class LoadAlpaca(Agent):
    """Reads Alpaca-format samples (a JSON list, JSONL or Parquet of instruction, input, output); the first unusable
    row stops the campaign with its file and line, since a selection over part of the data would be a different one."""

    name = "selection.load_alpaca"
    produces = (Sample,)
    Config = LoadAlpacaConfig

    def produce(self, ctx: Context) -> list[Sample]:
        rows = islice(read_rows(ctx.resolve_path(self.config.path), objects=False), self.config.limit)
        items = [alpaca_item(row) for row in rows]
        return [Sample(instruction=i.instruction, input=i.input, output=i.output) for i in items]
