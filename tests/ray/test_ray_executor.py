"""The same campaign on a local Ray cluster: the same ids and content as the local executor, a killed worker's
batch redone without duplicates, a killed driver resumed from the shards with no recorded call paid again."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

import synthloom
from synthloom.campaign import load_campaign
from synthloom.executors import ExecutorSpec, plan_for
from synthloom.registry.contributions import build_registry
from synthloom.runtime import Runtime
from synthloom.store import query
from tests.core.helpers import popen_cli, run_cli, write_campaign, write_prompts
from tests.ray import ray_agents
from tests.ray.conftest import PLUGINS, paid
from tests.ray.helpers import content, fresh_calls, raw_duplicates, recorded_prompts

pytestmark = pytest.mark.slow

BASIC = """
name: NAME
seed: 3
models:
  default: {backend: replay, function: tests.ray.ray_agents:paid_echo}
agents:
  - {name: load, use: basic.load_jsonl, with: {path: prompts.jsonl}}
  - {name: generate, use: basic.generate, batch_size: 8, concurrency: 2}
  - {name: judge, use: basic.judge, batch_size: 8}
  - {name: keep, use: basic.filter, with: {min_score: 5}}
export:
  - {kind: basic.judged, agent: keep, format: trl-sft, path: out/sft.jsonl}
executor: {actors: 2}
"""

SHAPES = """
name: shapes
agents:
  - {name: count, use: testing.count, with: {rounds: 2, per_round: 8}}
  - {name: square, use: testing.square, inputs: [count]}
  - {name: total, use: testing.sum, inputs: [square]}
  - {name: draw, use: testing.draw, inputs: [count]}
  - {name: countdown, use: testing.countdown, inputs: [count]}
executor: {actors: 2}
"""


def _campaign(directory: Path, text: str, prompts: int = 0) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    if prompts:
        write_prompts(directory, prompts)
    return write_campaign(directory, text)


def _local(campaign: Path, directory: Path) -> Path:
    store = directory / "local.duckdb"
    synthloom.run_campaign(campaign, store=store, plugins=PLUGINS, executor="local")
    return store


def _ray(campaign: Path, directory: Path, **kwargs: Any) -> tuple[synthloom.RunSummary, Path]:
    store = directory / "ray.shards"
    return synthloom.run_campaign(campaign, store=store, plugins=PLUGINS, executor="ray", **kwargs), store


def test_a_ray_run_stores_what_a_local_run_stores(tmp_path: Path, ray_cluster: dict) -> None:
    campaign = _campaign(tmp_path, BASIC.replace("NAME", "same"), prompts=40)
    local = _local(campaign, tmp_path)
    exported = (tmp_path / "out" / "sft.jsonl").read_text()
    summary, shards = _ray(campaign, tmp_path)
    assert summary.outcome == "finished"
    assert content(shards) == content(local) and len(content(local)) == 160
    assert fresh_calls(shards) == fresh_calls(local)
    assert raw_duplicates(shards) == 0
    assert (tmp_path / "out" / "sft.jsonl").read_text() == exported
    assert {name: (a.handled, a.produced, a.calls) for name, a in summary.agents.items()} == {
        "load": (1, 40, 0), "generate": (40, 40, 40), "judge": (40, 40, 40), "keep": (40, 40, 0)}
    _reads_like_a_store(shards, exported, tmp_path / "again.jsonl")


def _reads_like_a_store(shards: Path, exported: str, out: Path) -> None:
    """`synthloom sql`, `synthloom export` and the views on the shard directory."""
    sql = run_cli("sql", "SELECT count(*) AS n, avg(score) AS s FROM basic_judged", "--store", str(shards),
                  "--format", "json")
    assert sql.returncode == 0 and json.loads(sql.stdout) == {"n": 80, "s": 9.0}, sql.stderr
    result = run_cli("export", "--store", str(shards), "--kind", "basic.judged", "--agent", "keep", "--out", str(out))
    assert result.returncode == 0 and out.read_text() == exported, result.stderr
    assert query(shards, "SELECT name, status FROM campaigns")[1] == [("same", "finished")]
    assert query(shards, "SELECT count(*) FROM failure")[1] == [(0,)]


def test_barriers_threads_loops_failures_and_images_match_too(tmp_path: Path, ray_cluster: dict) -> None:
    campaign = _campaign(tmp_path, SHAPES)
    local = _local(campaign, tmp_path)
    summary, shards = _ray(campaign, tmp_path)
    assert summary.outcome == "finished_with_failures" and summary.failed == 3  # 0, 7 and 14 refuse to square
    assert _unbatched(content(shards)) == _unbatched(content(local))
    for images in ("SELECT sha256, mime, data FROM blobs ORDER BY 1", "SELECT * FROM images ORDER BY 1"):
        assert query(shards, images)[1] == query(local, images)[1] and query(local, images)[1]


def test_a_killed_worker_s_batch_is_redone_without_duplicates_or_paying_twice(tmp_path: Path,
                                                                               ray_cluster: dict) -> None:
    text = """
        name: workerkill
        models:
          default: {backend: replay, function: tests.ray.ray_agents:paid_echo}
        agents:
          - {name: load, use: basic.load_jsonl, with: {path: prompts.jsonl}}
          - {name: generate, use: ray_testing.answer_then_die, concurrency: 1}
        executor: {actors: 2}
        """
    campaign = _campaign(tmp_path, text, prompts=20)
    local = _local(campaign, tmp_path)
    before = len(paid(ray_cluster["paid"]))
    summary, shards = _ray(campaign, tmp_path)
    assert (ray_cluster["markers"] / "workerkill-generate").exists(), "the worker did not die"
    assert summary.outcome == "finished", summary
    assert content(shards) == content(local) and raw_duplicates(shards) == 0
    assert set(fresh_calls(shards).values()) == {1}
    paid_now = paid(ray_cluster["paid"])[before:]
    assert len(paid_now) == len(set(paid_now)) == 20  # the replies the dead worker had were not paid again


def test_a_worker_that_dies_on_big_batches_has_its_items_retried_one_by_one(tmp_path: Path,
                                                                           ray_cluster: dict) -> None:
    """The stand-in for a worker out of memory: the batch fails, its items are retried alone, and the one that
    kills its worker every time is a failure whose error says so."""
    (tmp_path / "prompts.jsonl").write_text("".join(json.dumps({"instruction": text}) + "\n"
                                                    for text in ("alpha", "beta", "gamma poison", "delta")))
    campaign = _campaign(tmp_path, """
        name: bigbatches
        agents:
          - {name: load, use: basic.load_jsonl, with: {path: prompts.jsonl}}
          - {name: small, use: ray_testing.small_batches_only, concurrency: 1}
        """)
    local = _local(campaign, tmp_path)
    summary, shards = _ray(campaign, tmp_path)
    assert summary.outcome == "finished_with_failures" and summary.failed == 1
    stored = {row[0]: row for row in content(shards)}
    assert [row for row in content(local) if row[2] == "small" and "POISON" not in row[4]] == [
        row for row in content(shards) if row[1] == "basic.generated"]
    [(error,)] = query(shards, "SELECT error FROM failure")[1]
    assert "Ray worker running agent 'small' died" in error and "memory" in error, error
    assert len(stored) == 8 and raw_duplicates(shards) == 0


def test_a_killed_driver_resumes_from_the_shards(tmp_path: Path, ray_cluster: dict) -> None:
    text = BASIC.replace("NAME", "driverkill").replace("executor: {actors: 2}", "executor: {actors: 1}")
    campaign = _campaign(tmp_path, text, prompts=400)
    local = _local(campaign, tmp_path)
    shards = tmp_path / "ray.shards"
    command = ["run", str(campaign), "--quiet", "--executor", "ray", "--address", ray_cluster["address"],
               "--store", str(shards)]
    first_paid = len(paid(ray_cluster["paid"]))
    driver = popen_cli(*command)
    deadline = time.monotonic() + 300
    while _commits(shards) < 8:  # the sources' chunk and a few batches of each agent
        assert driver.poll() is None, driver.communicate()
        assert time.monotonic() < deadline, "the Ray run made no visible progress"
        time.sleep(0.05)
    driver.kill()
    driver.communicate(timeout=60)
    assert _judged(shards) < 400, "the run finished before it was killed"
    recorded = recorded_prompts(shards)
    before = len(paid(ray_cluster["paid"]))
    result = run_cli(*command, timeout=600)
    assert result.returncode == 0, result.stderr
    assert content(shards) == content(local) and raw_duplicates(shards) == 0
    paid_again = {json.loads(line) for line in paid(ray_cluster["paid"])[before:]}
    assert not paid_again & recorded, "a call recorded before the kill was paid again"
    paid_by_ray = [json.loads(line) for line in paid(ray_cluster["paid"])[first_paid:]]
    assert set(paid_by_ray) == recorded_prompts(local)


def test_each_node_shares_one_sandbox_between_its_actors(tmp_path: Path, ray_cluster: dict) -> None:
    import ray

    from synthloom.executors.ray_sandbox import host_name

    summary, shards = _run_code(tmp_path, "coded", ray_agents.fake_sandbox)
    assert summary.outcome == "finished"
    assert query(shards, "SELECT count(*) FROM sandbox_runs")[1] == [(8,)]
    rows = query(shards, "SELECT instruction, response FROM basic_generated")[1]
    assert len(rows) == 8 and all(response == str(len(instruction)) for instruction, response in rows)
    with pytest.raises(ValueError):
        ray.get_actor(host_name("coded", ray.get_runtime_context().get_node_id()), namespace="synthloom")


def test_a_node_that_cannot_run_the_sandbox_is_named_in_the_failures(tmp_path: Path, ray_cluster: dict) -> None:
    summary, shards = _run_code(tmp_path, "imageless", ray_agents.missing_image_sandbox)
    assert summary.outcome == "failed" and summary.failed == 8
    errors = {row[0] for row in query(shards, "SELECT error FROM failure")[1]}
    assert len(errors) == 1 and "cannot start on Ray node 127.0.0.1" in errors.pop()


def test_an_agent_asking_for_gpus_the_cluster_lacks_is_refused(tmp_path: Path, ray_cluster: dict) -> None:
    text = BASIC.replace("NAME", "gpus").replace("executor: {actors: 2}", "executor: {agents: {judge: {num_gpus: 1}}}")
    campaign = _campaign(tmp_path, text, prompts=4)
    with pytest.raises(synthloom.ConfigError, match="asks for 1 GPU"):
        _ray(campaign, tmp_path)


def _run_code(directory: Path, name: str, sandbox: Any) -> tuple[synthloom.RunSummary, Path]:
    campaign = _campaign(directory, f"""
        name: {name}
        agents:
          - {{name: load, use: basic.load_jsonl, with: {{path: prompts.jsonl}}}}
          - {{name: code, use: ray_testing.run_code}}
        executor: {{kind: ray, actors: 2}}
        """, prompts=8)
    registry = build_registry(extra=PLUGINS)
    plan = load_campaign(campaign, registry)
    store = directory / "ray.shards"
    return Runtime(plan, registry, store_path=store, sandbox_factory=sandbox,
                   executor=plan_for(ExecutorSpec(kind="ray"), PLUGINS)).run(), store


def _unbatched(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Rows without the countdown's `wave`, the size of the batch a turn was made in: it records batching, which
    depends on how many actors share the work (everything else, ids included, does not)."""
    return [(*row[:4], json.dumps({k: v for k, v in json.loads(row[4]).items() if k != "wave"})) for row in rows]


def _commits(shards: Path) -> int:
    return len(list((shards / "commits").iterdir())) if (shards / "commits").exists() else 0


def _judged(shards: Path) -> int:
    return query(shards, "SELECT count(*) FROM messages WHERE agent = 'judge'")[1][0][0]

