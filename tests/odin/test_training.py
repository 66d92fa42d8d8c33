"""ODIN trained with TRL on a tiny random Llama: the loss runs, the model saves as a two-output classifier, the
scorer reads the quality head, and the command and campaign paths work."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import torch
import yaml
from click.testing import CliRunner

from synthloom import ConfigError, run_campaign
from synthloom.plugins.odin.cli import odin
from synthloom.plugins.odin.fit import fit
from synthloom.plugins.odin.model import RewardModel, bake_readout, head, use_readout
from synthloom.plugins.odin.pairs import Pair
from synthloom.plugins.odin.trainer import TrainSettings
from synthloom.store import query
from tests.selection.tiny import alpaca_rows

pytestmark = pytest.mark.model
FAST = TrainSettings(max_steps=3, batch_size=4, max_length=256, learning_rate=1e-3)


def pair_rows(count: int = 16) -> list[dict]:
    """Alpaca answers (their first 300 characters, so that they fit 256 tokens) against their first sentence, as chat
    turns, plus one pair with nothing to prefer."""
    rows = [{"prompt": [{"role": "user", "content": r["instruction"]}],
             "chosen": [{"role": "assistant", "content": r["output"][:300]}],
             "rejected": [{"role": "assistant", "content": r["output"].split(".")[0][:80]}]}
            for r in alpaca_rows(count) if "." in r["output"].strip(".")]
    return [*rows, {"prompt": "Repeat: ok", "chosen": "ok", "rejected": "ok"}]


def write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_fit_saves_a_two_head_model_and_measures_its_heads(tiny_dir: Path, tmp_path: Path) -> None:
    pairs = [Pair(r["prompt"], r["chosen"][-1]["content"], r["rejected"][-1]["content"]) for r in pair_rows()[:-1]]
    fitted = fit(pairs, str(tiny_dir), tmp_path / "rm", FAST, held_out=0.25)
    assert fitted.result.steps == 3 and all(math.isfinite(loss) for loss in fitted.result.losses)
    assert not (tmp_path / ".rm.partial").exists()
    model = RewardModel(tmp_path / "rm")
    assert model.network.config.num_labels == 2 and model.network.config.id2label == {0: "quality", 1: "length"}
    weights = head(model.network)  # the reference's read-out, baked into a plain classifier's weights
    assert torch.allclose(weights.mean(-1), torch.zeros(2), atol=1e-6)
    assert torch.allclose(weights.norm(dim=-1), torch.ones(2), atol=1e-5)
    rewards = model.score([p.prompt for p in pairs[:3]], [p.chosen for p in pairs[:3]])
    assert len(rewards.quality) == len(rewards.length) == 3 and rewards.tokens[0] > 0
    found = fitted.correlations
    assert found is not None and found.pairs == fitted.held_out >= 2
    assert found.longer_chosen == 1.0 and -1 <= found.quality_pearson <= 1  # type: ignore[operator]


@pytest.mark.parametrize("readout, scale", [("normalized", 3.0), ("raw", 2.0), ("raw", 1.0)])
def test_the_heads_are_read_through_the_readout_and_saved_as_read(readout: str, scale: float) -> None:
    from torch.nn.utils import parametrize

    torch.manual_seed(0)
    network = torch.nn.Sequential(torch.nn.Linear(8, 8), torch.nn.Linear(8, 2, bias=False))
    raw = network[1].weight.detach().clone()
    use_readout(network, readout, scale)  # type: ignore[arg-type]
    read = raw - raw.mean(-1, keepdim=True) if readout == "normalized" else raw
    expected = scale * (read / read.norm(dim=-1, keepdim=True) if readout == "normalized" else read)
    features = torch.randn(5, 8)
    assert torch.allclose(network(features), network[0](features) @ expected.T, atol=1e-5)
    assert parametrize.is_parametrized(network[1]) == (readout == "normalized" or scale != 1.0)
    bake_readout(network)
    assert not parametrize.is_parametrized(network[1]) and torch.allclose(network[1].weight, expected, atol=1e-6)


def test_pairs_without_a_preference_are_refused(tiny_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="differs from its rejected"):
        fit([Pair([{"role": "user", "content": "x"}], "same", "same")], str(tiny_dir), tmp_path / "rm", FAST)


def test_pairs_too_long_for_max_length_are_refused(tiny_dir: Path, tmp_path: Path) -> None:
    pairs = [Pair([{"role": "user", "content": "Say something long."}], "A long answer " * 20, "No.")] * 2
    with pytest.raises(ConfigError, match="longer than max_length"):
        fit(pairs, str(tiny_dir), tmp_path / "rm", TrainSettings(max_steps=1, batch_size=2, max_length=16), 0)


def test_commands_train_eval_and_score(tiny_dir: Path, tmp_path: Path) -> None:
    data = write(tmp_path / "pairs.jsonl", pair_rows())
    runner = CliRunner()
    result = runner.invoke(odin, ["train", "--data", str(data), "--model", str(tiny_dir), "--out", str(tmp_path / "rm"),
                                  "--max-steps", "2", "--batch-size", "2", "--gradient-accumulation", "2",
                                  "--max-length", "256", "--held-out", "0.3"],
                           catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "trained 2 step(s)" in result.output and "quality_pearson" in result.output
    result = runner.invoke(odin, ["eval", "--reward-model", str(tmp_path / "rm"), "--data", str(data)],
                           catch_exceptions=False)
    assert result.exit_code == 0 and "longer_chosen" in result.output
    responses = write(tmp_path / "responses.jsonl", [{"instruction": "Say hi.", "response": "Hi there."}])
    result = runner.invoke(odin, ["score", "--reward-model", str(tmp_path / "rm"), "--data", str(responses), "--out",
                                  str(tmp_path / "scored.jsonl")], catch_exceptions=False)
    scored = json.loads((tmp_path / "scored.jsonl").read_text())
    assert result.exit_code == 0 and {"score", "length_reward", "length_tokens"} <= set(scored)


def test_campaign_trains_then_scores_with_the_quality_head(tiny_dir: Path, tmp_path: Path) -> None:
    prompts = write(tmp_path / "prompts.jsonl", [{"instruction": "Name a colour."}, {"instruction": "Say hi."}])
    campaign = {
        "name": "odin-test", "seed": 0,
        "models": {"default": {"backend": "replay", "rules": [{"match": ".", "reply": ["Red.", "Blue is a colour."]}]}},
        "agents": [
            {"name": "pairs", "use": "odin.load_pairs",
             "with": {"path": str(write(tmp_path / "p.jsonl", pair_rows()))}},
            {"name": "train", "use": "odin.train", "with": {"out": "rm", "base": str(tiny_dir), "max_steps": 2,
                                                            "batch_size": 2, "gradient_accumulation": 2,
                                                            "max_length": 256, "held_out": 0.3}},
            {"name": "load", "use": "basic.load_jsonl", "with": {"path": str(prompts)}},
            {"name": "generate", "use": "basic.generate", "with": {"samples": 2}},
            {"name": "reward", "use": "odin.reward", "after": ["train"], "with": {"path": "rm"}},
        ],
    }
    path = tmp_path / "campaign.yaml"
    path.write_text(yaml.safe_dump(campaign))
    summary = run_campaign(path, store=tmp_path / "s.duckdb")
    assert summary.outcome == "finished", summary
    _, dropped = query(summary.store, "SELECT reason FROM dropped")
    assert dropped == [("same_response",)]
    _, trained = query(summary.store, "SELECT steps, held_out, quality_length_pearson FROM odin_trained_model")
    assert trained[0][0] == 2 and trained[0][1] >= 2
    _, rewards = query(summary.store, "SELECT response, score, length_tokens FROM odin_reward ORDER BY 1")
    assert len(rewards) == 4 and all(isinstance(score, float) for _, score, _ in rewards)
