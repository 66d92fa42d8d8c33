"""The source agent: (prompt, response) rows in, `clear.sample` messages out, streamed."""

from __future__ import annotations

from typing import Iterator

from synthloom import Agent, Context, FileSourceConfig, Message, Row, RowError, messages_from_file
from synthloom.plugins.clear.kinds import Sample
from synthloom.plugins.clear.parsing import pair_from_row


class LoadConfig(FileSourceConfig):
    prompt_field: str = "prompt"
    response_field: str = "response"


class Load(Agent):
    """Reads (prompt, response) rows (or TRL `messages` with one user and one assistant turn) from a JSONL, JSON
    list or Parquet file, a row at a time."""

    name = "clear.load"
    produces = (Sample,)
    Config = LoadConfig

    def produce(self, ctx: Context) -> Iterator[Message]:
        return messages_from_file(ctx, self.config, self.convert)

    def convert(self, row: Row) -> Sample:
        cfg = self.config
        found = pair_from_row(row.value, cfg.prompt_field, cfg.response_field)
        if isinstance(found, str):
            raise RowError("missing_field", found, where=row.where,
                           hint="set `prompt_field` / `response_field`, or give TRL `messages` rows")
        prompt, response = found
        extra = {k: v for k, v in row.value.items() if k not in (cfg.prompt_field, cfg.response_field)}
        return Sample(prompt=prompt, response=response, extra=extra)
