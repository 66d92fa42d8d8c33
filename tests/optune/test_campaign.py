"""The OPTune loop as one campaign: a tiny random Llama generates, a replay judge scores, pairs are weighted, the
policy is trained with weighted DPO, the lowest-reward half of the prompts is regenerated with the new policy and
paired again while the others keep their pairs; rerunning resumes; equal rewards stop it with a clear message."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import yaml

from synthloom import run_campaign
from synthloom.store import query

pytestmark = pytest.mark.model
PROMPTS = ["Name a colour.", "Say hello.", "Count to three.", "Name a fruit."]


def campaign(tmp_path: Path, tiny_dir: Path, judge: str) -> Path:
    prompts = tmp_path / "prompts.jsonl"
    prompts.write_text("".join(json.dumps({"instruction": p}) + "\n" for p in PROMPTS), encoding="utf-8")
    generate = {"samples": 3, "temperature": 1.0, "max_tokens": 6}
    document = {
        "name": "optune-test", "seed": 0,
        "models": {"policy0": {"backend": "transformers", "model": str(tiny_dir)},
                   "policy1": {"backend": "transformers", "model": "./policy-1"},
                   "judge": {"backend": "replay", "function": f"tests.optune.replay_functions:{judge}"}},
        "agents": [
            {"name": "prompts", "use": "basic.load_jsonl", "with": {"path": str(prompts)}},
            {"name": "gen0", "use": "basic.generate", "model": "policy0", "inputs": ["prompts"], "with": generate},
            {"name": "score0", "use": "basic.judge", "model": "judge", "inputs": ["gen0"]},
            {"name": "pairs0", "use": "optune.pairs", "inputs": ["score0"], "with": {"iteration": 0}},
            {"name": "train1", "use": "optune.train", "model": "policy0", "inputs": ["pairs0"],
             "with": {"iteration": 1, "out": "policy-1", "max_steps": 1, "max_length": 64}},
            {"name": "select1", "use": "optune.select", "inputs": ["prompts", "pairs0"], "with": {"rho": 0.5}},
            {"name": "gen1", "use": "basic.generate", "model": "policy1", "inputs": ["select1"], "after": ["train1"],
             "with": generate},
            {"name": "score1", "use": "basic.judge", "model": "judge", "inputs": ["gen1"]},
            {"name": "pairs1", "use": "optune.pairs", "inputs": ["score1", "pairs0"], "with": {"iteration": 1}},
        ],
        "export": [{"kind": "optune.pair", "agent": "pairs1", "format": "trl-dpo",
                    "path": str(tmp_path / "pairs.jsonl")}],
    }
    path = tmp_path / "campaign.yaml"
    path.write_text(yaml.safe_dump(document))
    return path


def test_two_iterations_regenerate_the_lowest_half_and_resume(tiny_dir: Path, tmp_path: Path) -> None:
    path = campaign(tmp_path, tiny_dir, "varied")
    summary = run_campaign(path, store=tmp_path / "s.duckdb")
    assert summary.outcome == "finished", summary
    _, policies = query(summary.store, "SELECT iteration, pairs, steps FROM optune_policy")
    first = query(summary.store, "SELECT instruction, reward_chosen FROM optune_pair WHERE iteration = 0")[1]
    assert policies == [(1, len(first), 1)] and (tmp_path / "policy-1" / "config.json").is_file()
    _, regenerated = query(summary.store, "SELECT DISTINCT instruction FROM basic_generated WHERE agent = 'gen1'")
    best = {i: r for i, r in first}  # a prompt whose samples all tied has no pair: it counts as lowest
    again_asked = {r for r, in regenerated}
    others = set(PROMPTS) - again_asked
    assert len(again_asked) == 2  # ceil(0.5 * 4)
    assert max(best.get(i, -math.inf) for i in again_asked) <= min(best.get(i, -math.inf) for i in others)
    _, second = query(summary.store, "SELECT instruction, regenerated, weight FROM optune_pair WHERE iteration = 1")
    assert {i for i, fresh, _ in second if not fresh} >= others & set(best)  # the others keep their pairs
    assert sum(w for _, _, w in second) == pytest.approx(len(second))  # weights average 1
    _, dropped = query(summary.store, "SELECT reason, count(*) FROM dropped WHERE agent = 'select1' GROUP BY ALL")
    assert dict(dropped) == {"kept_pair": 2}
    rows = [json.loads(line) for line in (tmp_path / "pairs.jsonl").read_text().splitlines()]
    assert len(rows) == len(second) and all("weight" in row for row in rows)
    again = run_campaign(path, store=tmp_path / "s.duckdb")
    assert again.outcome == "finished" and again.agents["train1"].handled == 0  # nothing is trained twice


def test_equal_rewards_stop_with_a_clear_message(tiny_dir: Path, tmp_path: Path) -> None:
    summary = run_campaign(campaign(tmp_path, tiny_dir, "constant"), store=tmp_path / "s.duckdb")
    assert summary.outcome == "failed"
    _, failures = query(summary.store, "SELECT DISTINCT agent, error FROM failure")
    assert len(failures) == 1 and failures[0][0] == "pairs0"
    assert "no preference to learn: none of the 4 prompts has responses with different rewards (rewards seen: 5)" \
        in failures[0][1]
    _, dropped = query(summary.store, "SELECT reason, count(*) FROM dropped GROUP BY ALL")
    assert dict(dropped) == {"no_pairs": 4}  # nothing to regenerate with: no policy was trained
    assert not (tmp_path / "policy-1").exists()
