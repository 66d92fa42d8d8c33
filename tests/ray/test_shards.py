"""A shard directory as a store, and the bad input a Ray run refuses before it starts anything: none of these needs
a Ray cluster (or Ray itself)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from synthloom.errors import StoreError
from synthloom.messages import Record
from synthloom.store import query, shards
from synthloom.store.shard_writer import ShardWriter
from tests.core.helpers import cli_env, run_cli, write_campaign, write_prompts

CALL = {"agent": "a", "model": "m", "backend": "replay:x", "op": "generate", "request_hash": "f" * 32,
        "request": '{"prompt": "hi"}', "response": '{"generations": []}', "prompt_tokens": 1,
        "completion_tokens": 2, "latency_ms": 3.0, "cost": None, "cached": False, "error": None}

CAMPAIGN = """
name: NAME
seed: 1
models:
  default: {backend: replay, default: "Score: 9"}
agents:
  - {name: load, use: basic.load_jsonl, with: {path: prompts.jsonl}}
  - {name: generate, use: basic.generate}
"""


def _message(id_: str, value: int) -> Record:
    return Record(id=id_, campaign="c", agent="a", data={"value": value})


def test_outputs_and_handled_markers_become_visible_together(tmp_path: Path) -> None:
    directory = tmp_path / "s.shards"
    shards.create(directory, "c")
    writer = ShardWriter(directory, "c", "a.0")
    writer.start()
    ticket = writer.add_outputs("a", ["in-1"], [_message("m1", 1), _message("m2", 2)])
    writer.wait_durable(ticket)
    assert query(directory, "SELECT id, payload->>'$.data.value' FROM messages ORDER BY id")[1] == [
        ("m1", "1"), ("m2", "2")]
    assert query(directory, "SELECT agent, input_id FROM handled")[1] == [("a", "in-1")]
    writer.close()
    assert not list((directory / "staging").iterdir())


def test_a_batch_committed_twice_is_read_once(tmp_path: Path) -> None:
    """A worker that died after its commit and before its reply redoes the batch: same ids, one row each."""
    directory = tmp_path / "s.shards"
    shards.create(directory, "c")
    writer = ShardWriter(directory, "c", "a.0")
    for _ in range(2):
        writer.add_outputs("a", ["in-1"], [_message("m1", 1)])
        writer.flush()
    writer.close()
    assert query(directory, "SELECT count(*) FROM messages")[1] == [(1,)]
    assert query(directory, "SELECT count(*) FROM handled")[1] == [(1,)]


def test_a_killed_writer_s_journaled_calls_are_recovered_by_its_successor(tmp_path: Path) -> None:
    directory = tmp_path / "s.shards"
    shards.create(directory, "c")
    script = textwrap.dedent(f"""
        import os
        from synthloom.store.shard_writer import ShardWriter
        writer = ShardWriter({str(directory)!r}, "c", "a.0")
        writer.add_model_calls([{CALL!r}])
        os._exit(9)  # killed before any flush
    """)
    died = subprocess.run([sys.executable, "-c", script], env=cli_env(), capture_output=True, text=True)
    assert died.returncode == 9, died.stderr
    assert query(directory, "SELECT count(*) FROM model_calls")[1] == [(0,)]
    successor = ShardWriter(directory, "c", "a.0")
    assert successor.cached_responses(["f" * 32]) == {"f" * 32: CALL["response"]}
    successor.close()
    again = ShardWriter(directory, "c", "a.0")
    again.close()
    assert query(directory, "SELECT count(*), sum(completion_tokens) FROM model_calls")[1] == [(1, 2)]


def test_one_live_writer_per_id(tmp_path: Path) -> None:
    directory = tmp_path / "s.shards"
    shards.create(directory, "c")
    first = ShardWriter(directory, "c", "driver")
    with pytest.raises(StoreError, match="in use"):
        ShardWriter(directory, "c", "driver", lock_wait_s=0)
    first.close()


def test_another_campaign_s_shard_directory_is_refused_before_anything_runs(tmp_path: Path) -> None:
    write_prompts(tmp_path, 3)
    directory = tmp_path / "shared.shards"
    shards.create(directory, "first")
    campaign = write_campaign(tmp_path, CAMPAIGN.replace("NAME", "second"))
    result = run_cli("run", str(campaign), "--executor", "ray", "--store", str(directory), "--quiet")
    assert result.returncode == 2, result.stderr
    assert "holds campaign 'first', not 'second'" in result.stderr and "Traceback" not in result.stderr


def test_a_shard_directory_of_another_schema_version_is_refused(tmp_path: Path) -> None:
    write_prompts(tmp_path, 3)
    directory = tmp_path / "old.shards"
    shards.create(directory, "second")
    marker = directory / shards.MARKER
    marker.write_text(json.dumps({**json.loads(marker.read_text()), "schema_version": "0"}))
    campaign = write_campaign(tmp_path, CAMPAIGN.replace("NAME", "second"))
    result = run_cli("run", str(campaign), "--executor", "ray", "--store", str(directory), "--quiet")
    assert result.returncode == 2 and "schema version '0'" in result.stderr, result.stderr
    sql = run_cli("sql", "SELECT count(*) FROM messages", "--store", str(directory))
    assert sql.returncode == 2 and "schema version '0'" in sql.stderr


@pytest.mark.parametrize("content", ["folder", "duckdb"])
def test_a_store_that_is_not_a_shard_directory_is_refused(tmp_path: Path, content: str) -> None:
    write_prompts(tmp_path, 3)
    campaign = write_campaign(tmp_path, CAMPAIGN.replace("NAME", "second"))
    if content == "folder":
        store = tmp_path / "photos"
        store.mkdir()
        (store / "cat.jpg").write_bytes(b"\xff\xd8")
        expected = "not a synthloom shard directory"
    else:
        store = tmp_path / "runs" / "second.duckdb"
        expected = "the Ray executor writes a shard directory"
    result = run_cli("run", str(campaign), "--executor", "ray", "--store", str(store), "--quiet")
    assert result.returncode == 2 and expected in result.stderr, result.stderr


def test_an_unreachable_cluster_stops_the_run_before_anything_starts(tmp_path: Path) -> None:
    write_prompts(tmp_path, 3)
    campaign = write_campaign(tmp_path, CAMPAIGN.replace("NAME", "lonely"))
    result = run_cli("run", str(campaign), "--executor", "ray", "--address", "127.0.0.1:1", "--quiet", timeout=60)
    assert result.returncode == 2, result.stderr
    assert "cannot reach the Ray cluster at '127.0.0.1:1'" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "runs").exists()


@pytest.mark.parametrize(("block", "message", "line"), [
    ("executor: {kind: rayy}", "Input should be 'local' or 'ray'", 8),
    ("executor: {kind: ray, agents: {generat: {actors: 2}}}", "executor settings for 'generat'", 8),
    ("executor: {kind: ray, agents: {load: {actors: 2}}}", "agent 'load' is a source", 8),
    ("executor: {kind: ray, actors: 0}", "greater than or equal to 1", 8),
])
def test_the_executor_block_is_checked_when_the_campaign_loads(tmp_path: Path, block: str, message: str,
                                                                 line: int) -> None:
    write_prompts(tmp_path, 3)
    campaign = write_campaign(tmp_path, CAMPAIGN.replace("NAME", "checked") + block + "\n")
    result = run_cli("run", "--check", str(campaign))
    assert result.returncode == 2, result.stderr
    assert message in result.stderr and f"campaign.yaml:{line}" in result.stderr, result.stderr


def test_an_address_without_the_ray_executor_is_refused(tmp_path: Path) -> None:
    write_prompts(tmp_path, 3)
    campaign = write_campaign(tmp_path, CAMPAIGN.replace("NAME", "local"))
    result = run_cli("run", "--check", str(campaign), "--address", "10.0.0.1:6379")
    assert result.returncode == 2 and "add --executor ray" in result.stderr, result.stderr


def test_a_ray_campaign_checks_without_a_cluster(tmp_path: Path) -> None:
    write_prompts(tmp_path, 3)
    campaign = write_campaign(tmp_path, CAMPAIGN.replace("NAME", "planned") + "executor: ray\n")
    result = run_cli("run", "--check", str(campaign))
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "runs").exists()
