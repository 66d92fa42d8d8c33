"""Bad input gives a clear error (file, line, field, hint), never a traceback, and loses nothing."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from synthloom.errors import ConfigError, StoreError
from synthloom.store import query
from synthloom.store.writer import StoreWriter
from tests.core.helpers import run_cli, write_campaign, write_prompts

GOOD = """
name: good
models:
  default: {backend: replay, default: "ok"}
agents:
  - name: load
    use: basic.load_jsonl
    with: {path: prompts.jsonl}
  - name: generate
    use: basic.generate
"""


def _error_of(tmp_path: Path, text: str) -> str:
    write_prompts(tmp_path, 3)
    path = write_campaign(tmp_path, text)
    result = run_cli("run", str(path), "--quiet", "--store", str(tmp_path / "s.duckdb"))
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    return result.stderr


def test_malformed_yaml_names_the_line(tmp_path: Path) -> None:
    err = _error_of(tmp_path, "name: x\nagents:\n  - name: a\n    use: [unclosed\n")
    assert "malformed YAML" in err and "campaign.yaml:5" in err


def test_unknown_agent_names_the_line_and_lists_known_ones(tmp_path: Path) -> None:
    err = _error_of(tmp_path, GOOD.replace("basic.generate", "basic.generat"))
    assert "unknown agent 'basic.generat'" in err and "campaign.yaml:9: agents.1.use" in err
    assert "basic.generate" in err


def test_wrong_parameter_type_names_the_field(tmp_path: Path) -> None:
    err = _error_of(tmp_path, GOOD.replace("with: {path: prompts.jsonl}", "with: {path: prompts.jsonl, limit: many}"))
    assert "agents.0.with.limit" in err and "campaign.yaml:7" in err and "hint:" in err


def test_unknown_parameter_and_unknown_backend(tmp_path: Path) -> None:
    err = _error_of(tmp_path, GOOD.replace("with: {path: prompts.jsonl}", "with: {path: prompts.jsonl, colour: 1}"))
    assert "agents.0.with.colour" in err and "remove `colour`" in err
    err = _error_of(tmp_path, GOOD.replace("backend: replay", "backend: nope"))
    assert "unknown backend 'nope'" in err and "models.default.backend" in err


def test_missing_campaign_file_and_missing_data_file(tmp_path: Path) -> None:
    result = run_cli("run", str(tmp_path / "absent.yaml"))
    assert result.returncode == 2 and "does not exist" in result.stderr and "Traceback" not in result.stderr
    path = write_campaign(tmp_path, GOOD)
    result = run_cli("run", str(path), "--quiet", "--store", str(tmp_path / "s.duckdb"))
    assert result.returncode == 2 and "prompts.jsonl" in result.stderr and "does not exist" in result.stderr


def test_store_locked_by_a_running_campaign(tmp_path: Path) -> None:
    writer = StoreWriter(tmp_path / "s.duckdb", "other")
    try:
        write_prompts(tmp_path, 3)
        result = run_cli("run", str(write_campaign(tmp_path, GOOD)), "--quiet", "--store", str(tmp_path / "s.duckdb"))
        assert result.returncode == 2 and "in use by a running campaign" in result.stderr
    finally:
        writer.close()


def test_corrupt_store_and_foreign_schema(tmp_path: Path) -> None:
    corrupt = tmp_path / "corrupt.duckdb"
    corrupt.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match="not a DuckDB database or is damaged"):
        StoreWriter(corrupt, "c")
    old = tmp_path / "old.duckdb"
    StoreWriter(old, "c").close()
    con = duckdb.connect(str(old))
    con.execute("UPDATE meta SET value = '0' WHERE key = 'schema_version'")
    con.close()
    with pytest.raises(StoreError, match="schema version '0'"):
        StoreWriter(old, "c")
    foreign = tmp_path / "foreign.duckdb"
    con = duckdb.connect(str(foreign))
    con.execute("CREATE TABLE users (id INT)")
    con.close()
    with pytest.raises(StoreError, match="not a synthloom store"):
        StoreWriter(foreign, "c")


def test_changed_agent_parameters_refuse_to_mix_into_a_store(tmp_path: Path, run_campaign) -> None:
    write_prompts(tmp_path, 3)
    path = write_campaign(tmp_path, GOOD)
    _, store = run_campaign(path)
    write_campaign(tmp_path, GOOD.replace('default: "ok"', 'default: "changed"'))
    with pytest.raises(ConfigError, match="changed their parameters"):
        run_campaign(path, store)
    assert query(store, "SELECT count(*) FROM basic_generated")[1] == [(3,)]


def test_agent_that_raises_on_everything_fails_items_not_the_campaign(tmp_path: Path) -> None:
    write_prompts(tmp_path, 5)
    path = write_campaign(tmp_path, GOOD.replace("default: \"ok\"", "rules: [{match: nothing, reply: x}]"))
    result = run_cli("run", str(path), "--quiet", "--store", str(tmp_path / "s.duckdb"))
    assert result.returncode == 4, result.stderr  # every item of an agent failed: the run failed, it did not finish
    assert "every input of generate failed" in result.stderr
    _, rows = query(tmp_path / "s.duckdb", "SELECT count(*), min(error) FROM failure")
    assert rows[0][0] == 5 and "no replay rule matches" in rows[0][1]


def test_an_output_folder_replaces_its_target_only_when_the_writer_succeeds(tmp_path: Path) -> None:
    from synthloom import output_folder

    target = tmp_path / "model"
    with output_folder(target) as folder:
        (folder / "weights").write_text("first")
    with pytest.raises(RuntimeError), output_folder(target) as folder:
        (folder / "weights").write_text("half")
        raise RuntimeError("killed mid-save")
    assert [p.name for p in tmp_path.iterdir()] == ["model"]  # no hidden leftover
    assert (target / "weights").read_text() == "first"
    with output_folder(target) as folder:
        (folder / "weights").write_text("second")
    assert (target / "weights").read_text() == "second"
