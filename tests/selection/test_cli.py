from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from synthloom.cli.main import cli
from synthloom.errors import ConfigError
from synthloom.plugins.selection import reference
from synthloom.plugins.selection.engine import AlpacaItem
from tests.selection.tiny import alpaca_rows

pytestmark = pytest.mark.model


@pytest.fixture
def data(tmp_path: Path) -> Path:
    rows = alpaca_rows(6) + [{"instruction": "Echo nothing.", "input": "", "output": ""}]
    rows.append(dict(rows[1]))
    path = tmp_path / "data.json"
    path.write_text(json.dumps(rows))
    return path


def score(*args: str) -> Any:
    result = CliRunner().invoke(cli, ["score", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def test_score_ifd_cherry_writes_one_record_per_sample_in_order(data: Path, tmp_path: Path, tiny_dir: Path,
                                                               tiny_reference: Any) -> None:
    out = tmp_path / "scores.jsonl"
    score("ifd", "--data", str(data), "--model", str(tiny_dir), "--out", str(out), "--compat", "cherry",
          "--dtype", "float32", "--max-length", "200")
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
    score("rifd", "--data", str(data), "--model", str(tiny_dir), "--out", str(out), "--dtype", "float32")
    records = json.loads(out.read_text())
    assert len(records) == 8 and all(r["rifd"] is not None for r in records[:6])
    out = tmp_path / "length.jsonl"
    score("length", "--data", str(data), "--model", str(tiny_dir), "--out", str(out))
    lengths = [json.loads(line)["length"] for line in out.read_text().splitlines()]
    assert lengths[6] == 0 and lengths[7] == lengths[1] and min(lengths[:6]) > 0


def test_bad_input_is_reported_with_its_location(tmp_path: Path, tiny_dir: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"instruction": "ok", "output": "fine"}\n{"instruction": 3, "output": "x"}\n')
    result = CliRunner().invoke(cli, ["score", "length", "--data", str(bad), "--model", str(tiny_dir), "--out",
                                      str(tmp_path / "o.jsonl")])
    assert isinstance(result.exception, ConfigError)  # `synthloom` prints these in one line, without a traceback
    assert "bad.jsonl:2" in str(result.exception) and "instruction" in str(result.exception)
