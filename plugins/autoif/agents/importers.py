"""Source agents that start a campaign at any stage from files in AutoIF's own formats.

They let recorded generations (for example the verifier replies of a stronger model, or the reference's sample
data) enter the pipeline without calling a model; unusable rows are recorded as dropped (stage `import`).
"""

from __future__ import annotations

from typing import Any, Callable, ClassVar

from pydantic import Field

from synthloom import Agent, Context, DataFile, Dropped, Message, RowError, SourceConfig
from synthloom.plugins.autoif import formats
from synthloom.plugins.autoif.kinds import Instruction, ResponseSet, ScoredQuery, VerifiedInstruction, VerifierSet


class ImportConfig(SourceConfig):
    path: DataFile
    limit: int | None = Field(default=None, ge=0)


def _dropped(problem: RowError) -> Dropped:
    return Dropped(stage="import", reason=problem.reason, detail=str(problem))


class LoadInstructions(Agent):
    """Instructions from a text file, one per line, skipping the instruction writer."""

    name = "autoif.load_instructions"
    produces = (Instruction,)
    Config = ImportConfig

    def produce(self, ctx: Context) -> list[Message]:
        texts, problems = formats.read_instructions(ctx.resolve_path(self.config.path))
        texts = texts[: self.config.limit] if self.config.limit is not None else texts
        return [*map(_dropped, problems), *(Instruction(text=t, origin="imported") for t in texts)]


class _JsonlImport(Agent):
    """Rows of an AutoIF JSONL file converted by `convert`; unusable rows are recorded, not fatal."""

    Config = ImportConfig
    convert: ClassVar[Callable[[dict[str, Any]], Message]]

    def produce(self, ctx: Context) -> list[Message]:
        out: list[Message] = []
        converted = 0
        for found in formats.converted_rows(ctx.resolve_path(self.config.path), type(self).convert):
            if self.config.limit is not None and converted >= self.config.limit:
                break
            if isinstance(found, RowError):
                out.append(_dropped(found))
            else:
                out.append(found[1])
                converted += 1
        return out


class LoadVerifierReplies(_JsonlImport):
    """Recorded verifier-writer replies (`eval_func_rft.jsonl`), in place of the verifier writer."""

    name = "autoif.load_verifier_replies"
    produces = (VerifierSet,)
    convert = staticmethod(formats.verifier_set)


class LoadVerifiedInstructions(_JsonlImport):
    """Cross-validated instructions (`cross_validation.jsonl`, `back_trans.jsonl`), in place of steps 1-3."""

    name = "autoif.load_verified_instructions"
    produces = (VerifiedInstruction,)
    convert = staticmethod(formats.verified_instruction)


class LoadResponseSets(_JsonlImport):
    """Queries with functions and sampled responses (`query_rft.jsonl`, `dpo_query_w_funcs.jsonl`)."""

    name = "autoif.load_response_sets"
    produces = (ResponseSet,)
    convert = staticmethod(formats.response_set)


class LoadScoredQueries(_JsonlImport):
    """Responses with pass rates (`dpo_query_eval_score_results.jsonl`), in place of everything before DPO pairs."""

    name = "autoif.load_scored_queries"
    produces = (ScoredQuery,)
    convert = staticmethod(formats.scored_query)
