"""Reading data files: rows come as they are read, so a source over a file of millions holds only what is in flight;
line numbers stay the file's; a line that is not UTF-8 costs only that line."""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path

from synthloom.data import Row, RowError, read_lines, read_rows


def test_a_large_jsonl_file_is_read_in_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    with path.open("w") as out:
        for i in range(200_000):
            out.write(json.dumps({"instruction": f"item {i} " + "x" * 60}) + "\n")
    assert path.stat().st_size > 15_000_000
    tracemalloc.start()
    try:
        count = sum(1 for row in read_rows(path) if isinstance(row, Row))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 200_000
    assert peak < 2_000_000  # the whole file was 15 MB, and its lines as objects about 30 MB more


def test_line_numbers_crlf_and_a_bad_byte(tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(b'{"a": 1}\r\n\n{"a": \xff}\n{"a": 3}')
    assert list(read_lines(path)) == [(1, '{"a": 1}'), (2, ""), (3, None), (4, '{"a": 3}')]
    rows = list(read_rows(path, tolerant=True))
    assert [r.value for r in rows if isinstance(r, Row)] == [{"a": 1}, {"a": 3}]
    [bad] = [r for r in rows if isinstance(r, RowError)]
    assert bad.where.endswith("mixed.jsonl:3")
