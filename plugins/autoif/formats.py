"""AutoIF's own file formats (the files of QwenLM/AutoIF's `sample_data/`), read into kinds and written back.

Reading is lenient about what the reference tolerates and precise about the rest: a row that cannot become a
message is a `RowError` with a reason code and its file:line, which sources record as dropped and commands report,
and the next row is read. Files are read and written by the core's reader and writer.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Iterator, Sequence, TypeVar

from synthloom import Message, Row, RowError, read_rows
from synthloom.data import read_lines
from synthloom.plugins.autoif.kinds import (
    Case,
    ResponseSet,
    ScoredFunction,
    ScoredQuery,
    ScoredResponse,
    VerifiedInstruction,
    VerifierSet,
)
from synthloom.plugins.autoif.parsing.replies import query_from_prompt
from synthloom.plugins.autoif.prompts import join_query_instruction, quality_judge

M = TypeVar("M", bound=Message)


def read_instructions(path: Path) -> tuple[list[str], list[RowError]]:
    """One instruction per line (`seed_instruction.txt`, `augment_instructions.txt`), and a problem for every line
    that is not UTF-8 and for a file without any instruction."""
    texts, problems = [], []
    for number, line in read_lines(path):
        if line is None:
            problems.append(RowError("not_utf8", "the line is not UTF-8", where=f"{path}:{number}"))
        elif line.strip():
            texts.append(line.strip())
    if not texts:
        problems.append(RowError("no_instructions", "the file holds no instruction", where=str(path),
                                 hint="write one instruction per line"))
    return texts, problems


def converted_rows(path: Path, convert: Callable[[dict[str, Any]], M]) -> Iterator[tuple[Row, M] | RowError]:
    """Each row of an AutoIF JSONL file with its message, or the located RowError saying why it has none."""
    for row in read_rows(path, tolerant=True):
        if isinstance(row, RowError):
            yield row
            continue
        try:
            yield row, convert(row.value)
        except RowError as error:
            yield RowError(error.reason, error.message, where=row.where, hint=error.hint)


def _field(row: dict[str, Any], name: str, kind: type | tuple[type, ...]) -> Any:
    value = row.get(name)
    if not isinstance(value, kind):
        raise RowError("missing_field", f"the row has no {name!r} of the expected type")
    return value


def _funcs(row: dict[str, Any]) -> list[ScoredFunction]:
    funcs = []
    for item in _field(row, "eval_func", list):
        if not (isinstance(item, list) and len(item) == 2 and isinstance(item[0], str)):
            raise RowError("bad_eval_func", f"an eval_func entry is not [code, accuracy]: {str(item)[:80]}")
        funcs.append(ScoredFunction(func=item[0], accuracy=float(item[1])))
    return funcs


def verifier_set(row: dict[str, Any]) -> VerifierSet:
    """A row of `eval_func_rft.jsonl`: instruction, prompt and the verifier writer's replies (`gpt-answer`)."""
    replies = _field(row, "gpt-answer", list)
    return VerifierSet(instruction=_field(row, "instruction", str), prompt=row.get("prompt") or "",
                       replies=[r for r in replies if isinstance(r, str)])


def verified_instruction(row: dict[str, Any]) -> VerifiedInstruction:
    """A row of `cross_validation.jsonl` (or `back_trans.jsonl`, which adds `back_instruction`)."""
    cases = [Case(input=c[0], output=c[1]) for c in row.get("cases") or []
             if isinstance(c, list) and len(c) == 2]
    return VerifiedInstruction(instruction=_field(row, "instruction", str), eval_funcs=_funcs(row), cases=cases)


def response_set(row: dict[str, Any]) -> ResponseSet:
    """A row of `query_rft.jsonl` (prompt with `[Query]`, instruction) or `dpo_query_w_funcs.jsonl` (prompt only,
    already joined, which then serves as the query)."""
    prompt = _field(row, "prompt", str)
    instruction = row.get("instruction") if isinstance(row.get("instruction"), str) else ""
    query = query_from_prompt(prompt) if instruction else prompt
    if query is None:
        raise RowError("no_query", "the prompt has no `[Query]` part")
    return ResponseSet(instruction=instruction, query=query, prompt=prompt, eval_funcs=_funcs(row),
                       responses=[r for r in _field(row, "gpt-answer", list) if isinstance(r, str)])


def scored_query(row: dict[str, Any]) -> ScoredQuery:
    """A row of `dpo_query_eval_score_results.jsonl`: the (joined) query and [response, pass rate] pairs."""
    responses = [ScoredResponse(response=r[0], pass_rate=float(r[1])) for r in _field(row, "response", list)
                 if isinstance(r, list) and len(r) == 2 and isinstance(r[0], str)]
    return ScoredQuery(instruction="", query=_field(row, "query", str), responses=responses)


def read_query_pool(path: Path, field: str = "query", min_chars: int = 20, max_chars: int = 300) -> list[str]:
    """User queries from a JSONL file (`field` of each row) or a text file (one per line), deduplicated, keeping
    those strictly between `min_chars` and `max_chars` long, as the reference does with ShareGPT."""
    if path.suffix == ".jsonl":
        pool = [row.value[field] for row in read_rows(path, tolerant=True)
                if isinstance(row, Row) and isinstance(row.value.get(field), str)]
    else:
        pool = [line.strip() for _, line in read_lines(path) if line and line.strip()]
    return [q for q in dict.fromkeys(pool) if min_chars < len(q) < max_chars]


def cross_validation_row(instruction: str, funcs: Sequence[tuple[str, float]], cases: Sequence[tuple[Any, Any]]
                         ) -> dict[str, Any]:
    """The reference's `cross_validation.jsonl` row."""
    return {"instruction": instruction, "eval_func": [[f, a] for f, a in funcs], "cases": [[i, o] for i, o in cases]}


def verified_rows(item: ResponseSet, rates: Sequence[float], pass_rate_above: float, out_format: str
                  ) -> list[dict[str, Any]]:
    """What `verify` writes for one row: `rows`, one row per response with its pass rate and whether it is kept;
    `dpo`, the reference's `dpo_query_eval_score_results.jsonl` row; `score-prompts`, the kept responses with the
    quality judge's prompt (`query_rft_score.jsonl` before the judge's replies)."""
    pairs = list(zip(item.responses, rates))
    if out_format == "dpo":
        return [{"query": item.query, "response": [[r, p] for r, p in pairs]}]
    if out_format == "score-prompts":
        return [{"instruction": item.instruction, "query": item.query, "response": r,
                 "prompt": quality_judge(item.instruction, item.query, r)} for r, p in pairs if p > pass_rate_above]
    return [{"instruction": item.instruction, "query": item.query, "response": r, "pass_rate": p,
             "kept": p > pass_rate_above} for r, p in pairs]


def sft_row(row: dict[str, Any]) -> dict[str, Any] | None:
    """A `query_score_filter.jsonl` row as TRL conversational SFT (query and instruction joined); None without
    the three texts."""
    if not all(isinstance(row.get(k), str) for k in ("query", "instruction", "response")):
        return None
    return {"messages": [{"role": "user", "content": join_query_instruction(row["query"], row["instruction"])},
                         {"role": "assistant", "content": row["response"]}]}
