"""Budget stops and resumes; the CLI's sql/export/version; --help stays free of heavy imports."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq

from synthloom.store import query
from tests.core.helpers import cli_env, run_cli, write_campaign, write_prompts

CAMPAIGN = """
name: budgeted
store: store.duckdb
models:
  default:
    backend: replay
    rules:
      - {match: "Rate the response", reply: "Score: 9"}
      - {match: "number (\\\\d+) ", reply: "answer \\\\1"}
agents:
  - {name: load, use: basic.load_jsonl, with: {path: prompts.jsonl}}
  - {name: generate, use: basic.generate, batch_size: 5, concurrency: 1}
  - {name: judge, use: basic.judge, batch_size: 5, concurrency: 1}
budget: {max_calls: 20}
export:
  - {kind: basic.judged, format: trl-sft, path: out/sft.jsonl}
"""


def test_budget_stops_cleanly_and_a_larger_budget_resumes(tmp_path: Path) -> None:
    write_prompts(tmp_path, 30)
    path = write_campaign(tmp_path, CAMPAIGN)
    store = tmp_path / "store.duckdb"
    first = run_cli("run", str(path), "--quiet")
    assert first.returncode == 3, first.stderr
    assert "budget reached: max_calls=20" in first.stderr
    calls = query(store, "SELECT count(*) FROM model_calls WHERE NOT cached")[1][0][0]
    assert 20 <= calls < 60
    second = run_cli("run", str(path), "--quiet", "--max-calls", "1000")
    assert second.returncode == 0, second.stderr
    _, rows = query(store, "SELECT count(*), count(DISTINCT request_hash) FROM model_calls WHERE NOT cached")
    assert rows == [(60, 60)]
    assert len((tmp_path / "out" / "sft.jsonl").read_text().splitlines()) == 30


def test_sql_formats_and_export_formats(tmp_path: Path) -> None:
    write_prompts(tmp_path, 4)
    path = write_campaign(tmp_path, CAMPAIGN.replace("max_calls: 20", "max_calls: 100"))
    assert run_cli("run", str(path), "--quiet").returncode == 0
    store = str(tmp_path / "store.duckdb")
    as_json = run_cli("sql", "SELECT instruction, score FROM basic_judged ORDER BY 1", "--store", store,
                      "--format", "json")
    rows = [json.loads(line) for line in as_json.stdout.splitlines()]
    assert len(rows) == 4 and rows[0]["score"] == 9.0
    as_csv = run_cli("sql", "SELECT count(*) AS n FROM basic_generated", "--store", store, "--format", "csv")
    assert as_csv.stdout.splitlines() == ["n", "4"]
    bad = run_cli("sql", "SELECT nope FROM nowhere", "--store", store)
    assert bad.returncode == 2 and "query failed" in bad.stderr and "Traceback" not in bad.stderr
    out = tmp_path / "judged.parquet"
    exported = run_cli("export", "--store", store, "--kind", "basic.judged", "--format", "trl-sft", "--out", str(out))
    assert exported.returncode == 0, exported.stderr
    table = pq.read_table(out).to_pylist()
    assert len(table) == 4 and table[0]["messages"][1]["role"] == "assistant"


def test_version_and_help_without_heavy_imports() -> None:
    assert run_cli("--version").stdout.strip().endswith("0.1.0")
    probe = ("import sys; from synthloom.cli.main import main\n"
             "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
             "heavy = [m for m in ('torch', 'transformers', 'litellm', 'docker', 'duckdb', 'vllm') "
             "if m in sys.modules]\nprint('HEAVY', heavy)")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=cli_env())
    assert "Commands:" in result.stdout and "HEAVY []" in result.stdout
