"""`synthloom selection compare` and the scale baselines as campaign agents: streamed picks equal a full sort, the
empty pool and duplicates are handled, and every selector runs on a real tiny model."""

from __future__ import annotations

import asyncio
import json
import random
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

import synthloom
from synthloom.cli.main import cli
from synthloom.plugins.selection import baselines
from synthloom.plugins.selection.scan import ScanOptions, pool_chunks, scan
from synthloom.store import query
from tests.selection.tiny import alpaca_rows

pytestmark = pytest.mark.model


def write_pool(path: Path, n: int, duplicates: int = 0) -> Path:
    rng = random.Random(0)
    words = "the model data list sort python colour poem story reverse explain".split()
    rows = [{"conversations": [{"from": "human", "value": " ".join(rng.choice(words) for _ in range(rng.randint(2, 9)))},
                               {"from": "gpt", "value": " ".join(rng.choice(words) for _ in range(rng.randint(1, 40)))}]}
            for _ in range(n)]
    rows += rows[:duplicates]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_streamed_picks_equal_a_full_sort(tmp_path: Path, tiny_dir: Path) -> None:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_dir)
    pool = write_pool(tmp_path / "pool.jsonl", 5000, duplicates=40)
    result = asyncio.run(scan(pool, ["length", "random"], ScanOptions(budget=50, seed=9), tokenizer=tokenizer))
    assert result.rows == 5040 and result.duplicates >= 40
    items = [(i, item) for chunk in pool_chunks(pool) for i, item, _ in chunk][:5000]
    seen, unique = set(), []
    for index, item in items:
        key = (item.query.lower(), item.response.lower())
        if key not in seen:
            seen.add(key)
            unique.append((index, item))
    lengths = {i: q + r for (i, _), q, r in zip(unique, baselines.nonzero_lengths(tokenizer, [it.query for _, it in unique]),
                                                baselines.nonzero_lengths(tokenizer, [it.response for _, it in unique]))}
    assert [i for i, _ in result.picks["length"]] == sorted(lengths, key=lambda i: (-lengths[i], -i))[:50]
    keys = {i: baselines.random_key(9, i) for i in lengths}
    assert [i for i, _ in result.picks["random"]] == sorted(keys, key=lambda i: (keys[i], -i))[:50]


def test_compare_command_on_a_pool_with_duplicates_and_on_an_empty_pool(tmp_path: Path, tiny_dir: Path) -> None:
    pool = write_pool(tmp_path / "pool.jsonl", 300, duplicates=20)
    out, picks = tmp_path / "table.json", tmp_path / "picks"
    args = ["selection", "compare", "--data", str(pool), "--budget", "25", "--out", str(out), "--picks", str(picks),
            "--model", str(tiny_dir), "-o", "dtype=float32", "--selector", "length", "--selector", "random",
            "--selector", "zip", "--selector", "ce"]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    table = json.loads(out.read_text())
    assert table["rows"] == 320 and table["duplicates"] >= 20 and table["length_unit"] == "tokens"
    assert set(table["selectors"]) == {"length", "random", "zip", "ce"}
    assert all(s["picked"] == 25 for s in table["selectors"].values())
    assert table["selectors"]["length"]["mean_tokens"] > table["selectors"]["random"]["mean_tokens"]
    assert len(table["overlap"]) == 6 and "overlap length/random" in result.output
    ce_rows = [json.loads(line) for line in (picks / "ce.jsonl").read_text().splitlines()]
    assert [r["rank"] for r in ce_rows] == list(range(25))
    assert all(a["score"] >= b["score"] for a, b in zip(ce_rows, ce_rows[1:]))
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    result = CliRunner().invoke(cli, ["selection", "compare", "--data", str(empty), "--budget", "5", "--out",
                                      str(out), "--model", str(tiny_dir)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["selectors"]["length"]["picked"] == 0


def test_scale_agents_in_a_campaign(tmp_path: Path, tiny_dir: Path) -> None:
    rows = alpaca_rows(16)
    rows.append(dict(rows[2]))  # a duplicate
    data = tmp_path / "data.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    student = {"backend": "transformers", "model": str(tiny_dir), "dtype": "float32", "threads": 1}
    campaign = {"name": "scale", "seed": 2, "models": {"student": student}, "agents": [
        {"name": "load", "use": "selection.load_alpaca", "with": {"path": str(data)}},
        {"name": "random", "use": "selection.random", "inputs": ["load"], "with": {"count": 5}},
        {"name": "zip", "use": "selection.zip", "inputs": ["load"], "with": {"fraction": 0.25, "k2": 4, "k3": 2}},
        {"name": "kmeans", "use": "selection.kmeans", "inputs": ["load"], "with": {"count": 3}},
        {"name": "ce", "use": "selection.ce", "model": "student", "inputs": ["load"]},
        {"name": "easiest", "use": "selection.top_k", "inputs": ["ce"], "with": {"score": "ce", "count": 4,
                                                                                  "order": "lowest"}},
        {"name": "length", "use": "selection.length", "model": "student", "inputs": ["load"],
         "with": {"span": "total"}},
        {"name": "longest", "use": "selection.top_k", "inputs": ["length"], "with": {"score": "length", "count": 4}},
    ]}
    path = tmp_path / "campaign.yaml"
    path.write_text(yaml.safe_dump(campaign))
    summary = synthloom.run_campaign(path, store=tmp_path / "store.duckdb")
    assert summary.outcome == "finished", summary
    store = summary.store
    _, kept = query(store, "SELECT agent, count(*) FROM selection_selected GROUP BY ALL")
    assert dict(kept) == {"random": 5, "zip": 4, "kmeans": 3, "easiest": 4, "longest": 4}
    _, reasons = query(store, "SELECT stage, reason, count(*) FROM dropped GROUP BY ALL")
    found = {(s, r): n for s, r, n in reasons}
    assert found[("random", "duplicate")] == 1 and found[("random", "not_picked")] == 11
    _, easiest = query(store, "SELECT score FROM selection_selected WHERE agent = 'easiest' ORDER BY rank")
    _, ces = query(store, "SELECT ce FROM selection_ce_score WHERE ce IS NOT NULL ORDER BY ce LIMIT 4")
    assert [s for (s,) in easiest] == [c for (c,) in ces]
    _, lengths = query(store, "SELECT length, span, instruction, input, output FROM selection_length_score LIMIT 1")
    assert lengths[0][1] == "total" and lengths[0][0] > 0
