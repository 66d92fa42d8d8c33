"""Source agents that start a campaign at any stage from files in AutoIF's own formats.

They let recorded generations (for example the verifier replies of a stronger model, or the reference's sample
data) enter the pipeline without calling a model; unusable rows become `autoif.dropped` messages.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, ClassVar

from pydantic import Field

from synthloom.agents import Agent, SourceConfig
from synthloom.context import Context
from synthloom.messages import Message
from synthloom.plugins.autoif import formats
from synthloom.plugins.autoif.kinds import (
    Dropped,
    Instruction,
    ResponseSet,
    ScoredQuery,
    VerifiedInstruction,
    VerifierSet,
)


class ImportConfig(SourceConfig):
    path: str
    limit: int | None = Field(default=None, ge=0)


def read_instructions(path: Path) -> tuple[list[str], list[Dropped]]:
    """One instruction per line (`seed_instruction.txt`, `augment_instructions.txt`), with a Dropped message for
    every line that is not UTF-8 and one for a file without any instruction."""
    texts, dropped = [], []
    for number, line in formats.read_text_lines(path):
        if line is None:
            dropped.append(Dropped(stage="import", reason="not_utf8", detail=f"{path}:{number}: not UTF-8"))
        elif line.strip():
            texts.append(line.strip())
    if not texts:
        dropped.append(Dropped(stage="import", reason="no_instructions", detail=f"{path} holds no instruction"))
    return texts, dropped


class LoadInstructions(Agent):
    """Instructions from a text file, one per line, skipping the instruction writer."""

    name = "autoif.load_instructions"
    produces = (Instruction, Dropped)
    Config = ImportConfig

    def produce(self, ctx: Context) -> list[Message]:
        texts, dropped = read_instructions(ctx.resolve_path(self.config.path))
        texts = texts[: self.config.limit] if self.config.limit is not None else texts
        return [*dropped, *(Instruction(text=t, origin="imported") for t in texts)]


class _JsonlImport(Agent):
    """Rows of an AutoIF JSONL file converted by `convert`; unusable rows are recorded, not fatal."""

    Config = ImportConfig
    convert: ClassVar[Callable[[dict[str, Any]], Message]]

    def produce(self, ctx: Context) -> list[Message]:
        path = ctx.resolve_path(self.config.path)
        out: list[Message] = []
        converted = 0
        for number, row in formats.read_jsonl(path):
            if self.config.limit is not None and converted >= self.config.limit:
                break
            try:
                if isinstance(row, formats.RowError):
                    raise row
                out.append(type(self).convert(row))
                converted += 1
            except formats.RowError as error:
                out.append(Dropped(stage="import", reason=error.reason, detail=f"{path}:{number}: {error.detail}"))
        return out


class LoadVerifierReplies(_JsonlImport):
    """Recorded verifier-writer replies (`eval_func_rft.jsonl`), in place of the verifier writer."""

    name = "autoif.load_verifier_replies"
    produces = (VerifierSet, Dropped)
    convert = staticmethod(formats.verifier_set)


class LoadVerifiedInstructions(_JsonlImport):
    """Cross-validated instructions (`cross_validation.jsonl`, `back_trans.jsonl`), in place of steps 1-3."""

    name = "autoif.load_verified_instructions"
    produces = (VerifiedInstruction, Dropped)
    convert = staticmethod(formats.verified_instruction)


class LoadResponseSets(_JsonlImport):
    """Queries with functions and sampled responses (`query_rft.jsonl`, `dpo_query_w_funcs.jsonl`)."""

    name = "autoif.load_response_sets"
    produces = (ResponseSet, Dropped)
    convert = staticmethod(formats.response_set)


class LoadScoredQueries(_JsonlImport):
    """Responses with pass rates (`dpo_query_eval_score_results.jsonl`), in place of everything before DPO pairs."""

    name = "autoif.load_scored_queries"
    produces = (ScoredQuery, Dropped)
    convert = staticmethod(formats.scored_query)


IMPORTERS: tuple[type[Agent], ...] = (LoadInstructions, LoadVerifierReplies, LoadVerifiedInstructions,
                                      LoadResponseSets, LoadScoredQueries)
