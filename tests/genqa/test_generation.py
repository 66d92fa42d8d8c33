"""GenQA in a campaign and on the command line (replay), resumed for free, and on a real tiny model (which never
complies: every reply is dropped with a reason, and the source stops at max_calls)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

import synthloom
from synthloom.cli.main import cli
from synthloom.plugins.genqa import generation
from synthloom.store import query

REPLAY = {"backend": "replay", "function": "tests.genqa.replay_model:reply"}


def expected(seed: int, target: int, max_calls: int) -> tuple[list[tuple[int, int]], dict[str, int]]:
    """The (n1, n2) pairs the replay model yields and the drops, worked out from the plans alone."""
    settings = generation.Settings(variant="generator_nested", sizes=(5, 4))
    pairs: list[tuple[int, int]] = []
    drops: dict[str, int] = {}
    for number in range(max_calls):
        if len(pairs) >= target:
            break
        call = generation.plan(settings, seed, number)
        reason = "no_list" if call.n1 == 5 else "short_list" if call.n2 == 4 else \
            "duplicate" if (call.n1, call.n2) in pairs else None
        if reason:
            drops[reason] = drops.get(reason, 0) + 1
        else:
            pairs.append((call.n1, call.n2))  # type: ignore[arg-type]
    return pairs, drops


def campaign(tmp_path: Path, target: int, max_calls: int) -> Path:
    data = {"name": "genqa-test", "seed": 5, "models": {"m": REPLAY},
            "agents": [{"name": "gen", "use": "genqa.generate", "with": {
                "target": target, "max_calls": max_calls, "sizes": [5, 4], "calls_per_batch": 4}}],
            "export": [{"kind": "genqa.pair", "format": "trl-sft", "path": str(tmp_path / "sft.jsonl")}]}
    path = tmp_path / "campaign.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_campaign_stops_at_target_distinct_pairs_and_resumes_for_free(tmp_path: Path) -> None:
    path, store = campaign(tmp_path, target=6, max_calls=200), tmp_path / "store.duckdb"
    summary = synthloom.run_campaign(path, store=store)
    assert summary.outcome == "finished"
    pairs, drops = expected(5, 6, 200)
    _, rows = query(store, "SELECT n1, n2, dedup_key FROM genqa_pair ORDER BY call")
    assert [(n1, n2) for n1, n2, _ in rows] == pairs
    assert rows[0][2] == f"Why does topic {pairs[0][0]} matter? Consider subtopic {pairs[0][1]}."
    _, found = query(store, "SELECT reason, count(*) FROM dropped GROUP BY ALL")
    assert dict(found) == drops
    _, calls = query(store, "SELECT count(*) FROM model_calls WHERE NOT cached")
    again = synthloom.run_campaign(path, store=store)
    assert again.outcome == "finished"
    _, after = query(store, "SELECT count(*), count(*) FILTER (WHERE NOT cached) FROM model_calls")
    assert after[0][1] == calls[0][0]  # nothing paid twice
    _, count = query(store, "SELECT count(*) FROM genqa_pair")
    assert count[0][0] == 6 and summary.exports[0].rows == 6


def test_max_calls_stops_a_source_that_cannot_reach_its_target(tmp_path: Path) -> None:
    store = tmp_path / "store.duckdb"
    synthloom.run_campaign(campaign(tmp_path, target=100, max_calls=12), store=store)
    _, found = query(store, "SELECT (SELECT count(*) FROM genqa_pair), (SELECT count(*) FROM dropped), "
                            "(SELECT count(*) FROM model_calls)")
    assert found[0][0] + found[0][1] == 12 and found[0][2] == 12  # one row per call, none after the 12th


def test_conditional_variant_needs_topics(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump({"name": "g", "models": {"m": REPLAY}, "agents": [
        {"name": "gen", "use": "genqa.generate", "with": {"target": 2, "variant": "generator_conditional"}}]}))
    with pytest.raises(synthloom.ConfigError, match="give `topics`"):
        synthloom.run_campaign(path, store=tmp_path / "s.duckdb", check_only=True)


def test_generate_and_dedupe_commands(tmp_path: Path) -> None:
    out = tmp_path / "pairs.jsonl"
    args = ["genqa", "generate", "--out", str(out), "--target", "4", "--sizes", "5", "4", "--seed", "5",
            "--model", "replay:x", "-o", "function=tests.genqa.replay_model:reply"]
    first = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert first.exit_code == 0, first.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(r["n1"], r["n2"]) for r in rows] == expected(5, 4, 16)[0]
    assert "4 distinct pairs from" in first.output
    second = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert second.output.splitlines()[-1] == first.output.splitlines()[-1]
    _, fresh = query(out.with_name(out.name + ".calls.duckdb"), "SELECT count(*) FILTER (WHERE NOT cached), "
                                                                 "count(*) FILTER (WHERE cached) FROM model_calls")
    assert fresh[0][0] == fresh[0][1]  # the rerun was answered from the store
    doubled = tmp_path / "doubled.jsonl"
    doubled.write_text(out.read_text() * 2)
    result = CliRunner().invoke(cli, ["genqa", "dedupe", "--data", str(doubled), "--out", str(tmp_path / "d.jsonl")])
    assert result.exit_code == 0 and "4 distinct of 8 rows (4 duplicates)" in result.output


@pytest.mark.model
def test_a_real_tiny_model_is_dropped_with_reasons_not_retried_forever(tmp_path: Path, tiny_dir: Path) -> None:
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump({"name": "g", "models": {"m": {"backend": "transformers", "model": str(tiny_dir),
                                                                  "dtype": "float32", "threads": 1}},
                                    "agents": [{"name": "gen", "use": "genqa.generate", "with": {
                                        "target": 3, "max_calls": 4, "max_tokens": 16, "sizes": [5, 5]}}]}))
    summary = synthloom.run_campaign(path, store=tmp_path / "s.duckdb")
    assert summary.outcome == "finished"
    _, found = query(summary.store, "SELECT reason FROM dropped")
    assert len(found) == 4 and {r for (r,) in found} <= {"no_list", "short_list", "no_question", "no_answer"}
