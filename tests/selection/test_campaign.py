"""Selection agents in real campaigns: the student is the tiny model, through the transformers backend."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from synthloom import ConfigError, RunSummary, run_campaign
from synthloom.campaign import load_campaign
from synthloom.registry.contributions import build_registry
from synthloom.store import query
from tests.selection.tiny import alpaca_rows

pytestmark = pytest.mark.model


def write_data(tmp_path: Path) -> Path:
    rows = alpaca_rows(12)
    rows.append(dict(rows[3]))  # an exact duplicate
    rows.append({"instruction": "Reply with nothing.", "input": "", "output": ""})
    path = tmp_path / "data.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def campaign_file(tmp_path: Path, tiny_dir: Path, agents: list[dict[str, Any]], **extra: Any) -> Path:
    data = {"name": "selection-test", "seed": 3,
            "models": {"student": {"backend": "transformers", "model": str(tiny_dir), "dtype": "float32",
                                   "batch_size": 8, "threads": 1}},
            "agents": [{"name": "load", "use": "selection.load_alpaca", "with": {"path": str(write_data(tmp_path))}},
                       *agents], **extra}
    path = tmp_path / "campaign.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def run(path: Path, store: Path) -> RunSummary:
    summary = run_campaign(path, store=store)
    assert summary is not None
    return summary


def test_ifd_top_k_campaign(tmp_path: Path, tiny_dir: Path) -> None:
    out = tmp_path / "sft.jsonl"
    path = campaign_file(tmp_path, tiny_dir, [
        {"name": "ifd", "use": "selection.ifd", "model": "student", "with": {"compat": "cherry", "max_length": 256}},
        {"name": "pick", "use": "selection.top_k", "with": {"fraction": 0.5, "max_score": 1.02}},
    ], export=[{"kind": "selection.selected", "format": "trl-sft", "path": str(out)}])
    store = tmp_path / "store.duckdb"
    summary = run(path, store)
    assert summary.status == "finished" and summary.agents["ifd"].failed == 0
    _, empty = query(store, "SELECT ifd, reason FROM selection_ifd_score WHERE output = ''")
    assert empty[0][0] is None and "empty answer" in empty[0][1]
    _, scores = query(store, "SELECT sample_id, ifd FROM selection_ifd_score")
    _, kept = query(store, "SELECT sample_id, score, rank FROM selection_selected ORDER BY rank")
    _, dropped = query(store, "SELECT subject, reason, detail FROM dropped WHERE stage = 'pick'")
    assert len(kept) + len(dropped) == len(scores) == 14
    assert any(reason == "duplicate" and detail.startswith("duplicate of sample") for _, reason, detail in dropped)
    assert any(reason == "no_score" for _, reason, _ in dropped)
    # 12 distinct scored samples (one duplicate, one empty), minus any above the threshold, halves.
    eligible = sorted(s for _, s in scores if s is not None and s <= 1.02)
    duplicate_score = next(s for i, s in scores if i in {d for d, r, _ in dropped if r == "duplicate"})
    eligible.remove(duplicate_score)
    assert len(kept) == len(eligible) // 2
    assert [s for _, s, _ in kept] == sorted(eligible, reverse=True)[:len(kept)]
    below = [(subject, detail) for subject, reason, detail in dropped if reason == "below_cut"]
    ifd_of = dict(scores)
    assert below and all(f"score {ifd_of[subject]:.4f}" in detail for subject, detail in below)
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert summary.exports[0].rows == len(kept) and [m["role"] for m in rows[0]["messages"]] == ["user", "assistant"]


def test_length_and_diversity_selectors(tmp_path: Path, tiny_dir: Path) -> None:
    path = campaign_file(tmp_path, tiny_dir, [
        {"name": "length", "use": "selection.length", "model": "student"},
        {"name": "longest", "use": "selection.top_k", "with": {"score": "length", "count": 3}},
        {"name": "spread", "use": "selection.diversity", "inputs": ["load"],
         "with": {"method": "k_center", "budget": 4}},
    ])
    store = tmp_path / "store.duckdb"
    assert run(path, store).status == "finished"
    _, lengths = query(store, "SELECT any_value(length) AS n FROM selection_length_score "
                              "GROUP BY instruction, input, output ORDER BY n DESC")  # duplicates count once
    _, longest = query(store, "SELECT score FROM selection_selected WHERE selector = 'longest' ORDER BY rank")
    assert [s for (s,) in longest] == [float(n) for (n,) in lengths[:3]]
    _, spread = query(store, "SELECT count(DISTINCT sample_id) FROM selection_selected WHERE selector = 'spread'")
    assert spread == [(4,)]


def test_superfiltering_d_narrows_the_ifd_top_set_by_facility_location(tmp_path: Path, tiny_dir: Path) -> None:
    path = campaign_file(tmp_path, tiny_dir, [
        {"name": "ifd", "use": "selection.ifd", "model": "student", "with": {"compat": "superfiltering"}},
        {"name": "sfd", "use": "selection.top_k", "with": {"score": "ifd_ppl", "fraction": 0.8, "max_score": 2.0,
                                                           "diversity": "facility_location", "budget": 3}},
    ])
    store = tmp_path / "store.duckdb"
    assert run(path, store).status == "finished"
    _, kept = query(store, "SELECT rank FROM selection_selected ORDER BY rank")
    _, narrowed = query(store, "SELECT count(*) FROM dropped WHERE reason = 'not_picked' "
                               "AND detail LIKE 'not picked by facility_location (score %)'")
    assert kept == [(0,), (1,), (2,)] and narrowed[0][0] > 0


def test_selector_parameters_are_checked_when_the_campaign_loads(tmp_path: Path, tiny_dir: Path) -> None:
    path = campaign_file(tmp_path, tiny_dir, [
        {"name": "ifd", "use": "selection.ifd", "model": "student"},
        {"name": "pick", "use": "selection.top_k", "with": {"fraction": 0.5, "count": 3}},
    ])
    with pytest.raises(ConfigError, match="exactly one of"):
        run_campaign(path, check_only=True)


def test_a_missing_data_file_is_reported_when_the_campaign_loads(tmp_path: Path) -> None:
    path = tmp_path / "campaign.yaml"
    path.write_text(yaml.safe_dump({"name": "missing", "agents": [
        {"name": "load", "use": "selection.load_alpaca", "with": {"path": "nowhere.jsonl"}}]}))
    with pytest.raises(ConfigError, match="nowhere.jsonl"):
        run_campaign(path, check_only=True)


def test_pre_experience_takes_the_middle_perplexity_band_of_each_cluster(tmp_path: Path, tiny_dir: Path) -> None:
    path = campaign_file(tmp_path, tiny_dir, [
        {"name": "pre", "use": "selection.pre_experience", "model": "student",
         "with": {"clusters": 2, "per_cluster": 2, "low": 25, "high": 75}},
    ])
    store = tmp_path / "store.duckdb"
    assert run(path, store).status == "finished"
    _, kept = query(store, "SELECT score FROM selection_selected")
    _, dropped = query(store, "SELECT DISTINCT reason FROM dropped")
    assert 2 <= len(kept) <= 4  # at most per_cluster from each of the two clusters
    assert all(score > 1.0 for (score,) in kept)  # perplexities
    assert dropped == [("outside_band",)]


def test_pre_experienced_model_is_trained_in_the_campaign_and_scores_after_it(tmp_path: Path, tiny_dir: Path) -> None:
    """Cherry LLM's whole pre-experience stage: select, train briefly with TRL, then score IFD with that model."""
    path = campaign_file(tmp_path, tiny_dir, [
        {"name": "pre", "use": "selection.pre_experience", "model": "student",
         "with": {"clusters": 2, "per_cluster": 3}},
        {"name": "train", "use": "selection.train", "model": "student", "inputs": ["pre"],
         "with": {"out": "pre-model", "max_steps": 3, "learning_rate": 0.05, "batch_size": 2}},
        {"name": "ifd", "use": "selection.ifd", "model": "experienced", "inputs": ["load"], "after": ["train"]},
        {"name": "ifd_base", "use": "selection.ifd", "model": "student", "inputs": ["load"]},
    ])
    data = yaml.safe_load(path.read_text())
    data["models"]["experienced"] = {**data["models"]["student"], "model": "./pre-model"}
    path.write_text(yaml.safe_dump(data))
    assert not (tmp_path / "pre-model").exists()  # the loader knows `train` writes it (an OutputPath parameter)
    store = tmp_path / "store.duckdb"
    assert run(path, store).status == "finished"
    _, trained = query(store, "SELECT path, samples, steps, final_loss FROM selection_trained_model")
    _, selected = query(store, "SELECT count(*) FROM selection_selected WHERE agent = 'pre'")
    assert len(trained) == 1
    model_dir, samples, steps, loss = trained[0]
    assert Path(model_dir) == tmp_path / "pre-model" and (Path(model_dir) / "config.json").is_file()
    assert samples == selected[0][0] > 0 and steps == 3 and loss is not None and math.isfinite(loss)
    _, backends = query(store, "SELECT DISTINCT backend FROM model_calls WHERE agent = 'ifd'")
    assert backends == [(f"transformers:{tmp_path / 'pre-model'}:float32",)]
    _, pairs = query(store, "SELECT a.ifd, b.ifd FROM selection_ifd_score a JOIN selection_ifd_score b "
                            "USING (sample_id) WHERE a.agent = 'ifd' AND b.agent = 'ifd_base' AND a.ifd IS NOT NULL")
    assert len(pairs) >= 12 and any(abs(a - b) > 1e-4 for a, b in pairs)
    written = (Path(model_dir) / "model.safetensors").stat().st_mtime_ns
    assert run(path, store).status == "finished"  # a rerun resumes: no second training
    assert query(store, "SELECT count(*) FROM selection_trained_model")[1] == [(1,)]
    assert (Path(model_dir) / "model.safetensors").stat().st_mtime_ns == written


def test_cherry_example_scores_with_the_model_its_train_agent_writes() -> None:
    example = Path(__file__).resolve().parents[2] / "examples" / "cherry_pre_experience.yaml"
    campaign = load_campaign(example, build_registry()).campaign  # `train` writes the model the checks accept
    agents = {agent.name: agent for agent in campaign.agents}
    ifd, train = agents["ifd"], agents["train"]
    assert ifd.after == ["train"] and ifd.model == "experienced"
    trained_at = Path(campaign.local_model(campaign.models["experienced"]).model)
    assert trained_at == Path(os.path.normpath(example.parent / train.params["out"]))
