from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from synthloom import ConfigError
from synthloom.cli.main import cli
from synthloom.plugins.selection.parsing import AlpacaItem
from synthloom.store import query
from tests.selection import reference
from tests.selection.tiny import alpaca_rows

pytestmark = pytest.mark.model


@pytest.fixture
def data(tmp_path: Path) -> Path:
    rows = alpaca_rows(6) + [{"instruction": "Echo nothing.", "input": "", "output": ""}]
    rows.append(dict(rows[1]))
    path = tmp_path / "data.json"
    path.write_text(json.dumps(rows))
    return path


def score(*args: str, command: tuple[str, ...] = ("selection", "score")) -> Any:
    result = CliRunner().invoke(cli, [*command, *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def test_score_ifd_cherry_writes_one_record_per_sample_in_order(data: Path, tmp_path: Path, tiny_dir: Path,
                                                               tiny_reference: Any) -> None:
    out = tmp_path / "scores.jsonl"
    score("ifd", "--data", str(data), "--model", str(tiny_dir), "--out", str(out), "--compat", "cherry",
          "-o", "dtype=float32", "--max-length", "200")
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["index"] for r in records] == list(range(8))
    assert records[6]["ifd"] is None and "empty answer" in records[6]["reason"]
    assert records[7]["duplicate_of"] == 1 and records[1]["duplicate_of"] is None
    items = [AlpacaItem(r["instruction"], r.get("input", ""), r["output"]) for r in json.loads(data.read_text())]
    expected = reference.cherry_ifd(*tiny_reference, items, 200)
    for record, value in zip(records, expected):
        if math.isnan(value):
            assert record["ifd"] is None
        else:
            assert record["ifd"] == pytest.approx(value, rel=1e-5)


def test_score_rifd_and_length(data: Path, tmp_path: Path, tiny_dir: Path) -> None:
    out = tmp_path / "rifd.json"
    score("rifd", "--data", str(data), "--model", f"transformers:{tiny_dir}", "--out", str(out), "-o", "dtype=float32")
    records = json.loads(out.read_text())
    assert len(records) == 8 and all(r["rifd"] is not None for r in records[:6])
    out = tmp_path / "length.jsonl"
    score("length", "--data", str(data), "--model", str(tiny_dir), "--out", str(out))
    lengths = [json.loads(line)["length"] for line in out.read_text().splitlines()]
    assert lengths[6] == 0 and lengths[7] == lengths[1] and min(lengths[:6]) > 0
    assert not (tmp_path / "length.jsonl.calls.duckdb").exists()  # counting tokens calls no model


def test_a_killed_score_pays_on_rerun_only_for_what_it_had_not_got(data: Path, tmp_path: Path, tiny_dir: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from synthloom.backends.transformers.backend import TransformersBackend
    from synthloom.plugins.selection import cli as selection_cli

    monkeypatch.setattr(selection_cli, "CHUNK", 3)
    real_score = TransformersBackend.score
    paid: list[int] = []

    async def dies_after_one_chunk(self: Any, requests: list[Any]) -> Any:
        if paid:
            raise RuntimeError("killed")
        paid.append(len(requests))
        return await real_score(self, requests)

    monkeypatch.setattr(TransformersBackend, "score", dies_after_one_chunk)
    out, store = tmp_path / "ifd.jsonl", tmp_path / "calls.duckdb"
    args = ["ifd", "--data", str(data), "--model", str(tiny_dir), "-o", "dtype=float32", "--out", str(out),
            "--store", str(store), "--compat", "cherry", "--max-length", "200"]
    killed = CliRunner().invoke(cli, ["selection", "score", *args])
    assert str(killed.exception) == "killed" and not out.exists()
    monkeypatch.setattr(TransformersBackend, "score", real_score)
    score(*args)
    _, [(fresh, distinct, reused)] = query(store, "SELECT count(*) FILTER (NOT cached), count(DISTINCT request_hash), "
                                                  "count(*) FILTER (cached) FROM model_calls")
    assert paid[0] > 0 and reused >= paid[0]  # the rerun took the first chunk's replies from the store...
    assert fresh == distinct > paid[0]  # ...and paid once for each other request
    assert len(out.read_text().splitlines()) == 8


def test_the_old_command_name_still_works_and_says_where_it_moved(data: Path, tmp_path: Path,
                                                                  tiny_dir: Path) -> None:
    out = tmp_path / "length.json"
    result = score("length", "--data", str(data), "--model", str(tiny_dir), "--out", str(out), command=("score",))
    assert "moved to `synthloom selection score`" in result.stderr
    assert len(json.loads(out.read_text())) == 8


def test_bad_input_is_reported_with_its_location(tmp_path: Path, tiny_dir: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"instruction": "ok", "output": "fine"}\n{"instruction": 3, "output": "x"}\n')
    result = CliRunner().invoke(cli, ["selection", "score", "length", "--data", str(bad), "--model", str(tiny_dir),
                                      "--out", str(tmp_path / "o.jsonl")])
    assert isinstance(result.exception, ConfigError)  # `synthloom` prints these in one line, without a traceback
    assert "bad.jsonl:2" in str(result.exception) and "instruction" in str(result.exception)
