"""AutoIF's files read through the core reader: every unusable row is a located RowError with a reason code."""

from __future__ import annotations

import json
from pathlib import Path

from synthloom import RowError
from synthloom.plugins.autoif.formats import converted_rows, read_instructions, response_set


def test_unusable_rows_are_located_and_have_reasons(tmp_path: Path) -> None:
    good = {"prompt": "[Query] what?", "instruction": "be brief", "eval_func": [["def evaluate(r): ...", 1]],
            "gpt-answer": ["ok"]}
    path = tmp_path / "query_rft.jsonl"
    path.write_text("\n".join([json.dumps(good), "{broken", json.dumps({**good, "eval_func": [["f"]]}),
                               json.dumps({**good, "prompt": 3}), json.dumps({**good, "prompt": "no query part"})]),
                    encoding="utf-8")
    found = list(converted_rows(path, response_set))
    row, item = found[0]
    assert row.where == f"{path}:1" and item.query == "what?" and item.responses == ["ok"]
    problems = [(p.reason, p.where) for p in found[1:] if isinstance(p, RowError)]
    assert problems == [("invalid_json", f"{path}:2"), ("bad_eval_func", f"{path}:3"), ("missing_field", f"{path}:4"),
                        ("no_query", f"{path}:5")]


def test_instruction_files_report_bad_lines_and_empty_files(tmp_path: Path) -> None:
    mixed, empty = tmp_path / "mixed.txt", tmp_path / "empty.txt"
    mixed.write_bytes(b"Use no commas\n\xff broken\n\n  End with 'ok'  \n")
    empty.write_text("\n \n", encoding="utf-8")
    texts, problems = read_instructions(mixed)
    assert texts == ["Use no commas", "End with 'ok'"]
    assert [(p.reason, p.where) for p in problems] == [("not_utf8", f"{mixed}:2")]
    assert [p.reason for p in read_instructions(empty)[1]] == ["no_instructions"]
