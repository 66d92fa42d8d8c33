"""AutoIF's own file formats (the JSONL files of QwenLM/AutoIF's `sample_data/`), read into kinds and written back.

Reading is lenient about what the reference tolerates and precise about the rest: a row that cannot become a
message raises `RowError` with the reason, and the caller records it and goes on with the next row.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator

from synthloom.errors import ConfigError
from synthloom.plugins.autoif.kinds import (
    Case,
    ResponseSet,
    ScoredFunction,
    ScoredQuery,
    ScoredResponse,
    VerifiedInstruction,
    VerifierSet,
)
from synthloom.plugins.autoif.parsing import query_from_prompt


class RowError(ValueError):
    """One row of an AutoIF file that cannot be used; `reason` is a short code for `autoif.dropped`."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


def read_text_lines(path: Path) -> Iterator[tuple[int, str | None]]:
    """(line number, text) per line, with None for a line that is not UTF-8, so one bad byte costs one line."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"file {str(path)!r} does not exist",
                          hint="in a campaign, paths are relative to the campaign file") from None
    for number, raw in enumerate(data.split(b"\n"), 1):
        try:
            yield number, raw.decode("utf-8").rstrip("\r")
        except UnicodeDecodeError:
            yield number, None


def read_jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any] | RowError]]:
    """(line number, row or the reason it is unusable) for every non-blank line."""
    for number, line in read_text_lines(path):
        if line is None:
            yield number, RowError("not_utf8", f"{path}:{number}: the line is not UTF-8")
            continue
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            yield number, RowError("invalid_json", f"{path}:{number}: {exc.msg}")
            continue
        yield number, row if isinstance(row, dict) else RowError("not_an_object", f"{path}:{number}: not an object")


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
        pool = [row[field] for _, row in read_jsonl(path) if isinstance(row, dict) and isinstance(row.get(field), str)]
    else:
        pool = [line.strip() for _, line in read_text_lines(path) if line and line.strip()]
    return [q for q in dict.fromkeys(pool) if min_chars < len(q) < max_chars]


def cross_validation_row(instruction: str, funcs: list[tuple[str, float]], cases: list[tuple[Any, Any]]
                         ) -> dict[str, Any]:
    """The reference's `cross_validation.jsonl` row."""
    return {"instruction": instruction, "eval_func": [[f, a] for f, a in funcs], "cases": [[i, o] for i, o in cases]}


def write_jsonl(rows: list[dict[str, Any]], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
