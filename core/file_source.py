"""Source agents that read one message per row of a data file: the reading rules they all share.

A plugin's loader declares only how a row becomes its message; the limit, the located error for an unusable row,
and `on_bad_row: drop` (a core `Dropped` for the row, and the campaign goes on) are the same everywhere.
"""

from __future__ import annotations

from typing import Callable, Iterator, Literal

from pydantic import Field

from synthloom.agents import DataFile, SourceConfig
from synthloom.context import Context
from synthloom.data import Row, RowError, read_rows
from synthloom.messages import Dropped, Message


class FileSourceConfig(SourceConfig):
    path: DataFile
    limit: int | None = Field(default=None, ge=0, description="read only the first N usable rows")
    on_bad_row: Literal["error", "drop"] = Field(
        default="error", description="error: the first unusable row stops the campaign; drop: record it and go on")


def messages_from_file(ctx: Context, cfg: FileSourceConfig, convert: Callable[[Row], Message], *,
                       objects: bool = True) -> Iterator[Message]:
    """Each usable row of `cfg.path` converted, up to `cfg.limit`, as the rows are read (a file of millions is never
    held at once). `convert` raises `RowError` for a row it cannot use; such a row, like one the file format itself
    cannot give, stops the campaign with its file and line, or with `on_bad_row: drop` becomes a `Dropped`."""
    kept = 0
    for row in read_rows(ctx.resolve_path(cfg.path), tolerant=cfg.on_bad_row == "drop", objects=objects):
        if cfg.limit is not None and kept >= cfg.limit:
            return
        try:
            if isinstance(row, RowError):
                raise row
            message = convert(row)
        except RowError as error:
            if cfg.on_bad_row == "error":
                raise
            yield Dropped(stage=ctx.agent, reason=error.reason, detail=str(error), subject=error.where or "")
            continue
        yield message
        kept += 1
