"""Weighted DPO on TRL's DPOTrainer with a tiny random Llama: each pair's gradient is scaled by its weight, the loss
value is not, and the commands train and save a policy."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from synthloom.plugins.optune.cli import optune
from synthloom.plugins.optune.weighted_dpo import DPOSettings, _trainer_class, train_weighted

pytestmark = pytest.mark.model

ROWS = [{"prompt": [{"role": "user", "content": "Name a colour."}],
         "chosen": [{"role": "assistant", "content": "Red is a colour."}],
         "rejected": [{"role": "assistant", "content": "No."}]},
        {"prompt": [{"role": "user", "content": "Say hello."}],
         "chosen": [{"role": "assistant", "content": "Hello there!"}],
         "rejected": [{"role": "assistant", "content": "Goodbye, and do not write again."}]}]


def trainer(tiny_dir: Path, tmp_path: Path, weights: list[float]) -> Any:
    import datasets
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import DPOConfig

    from synthloom.training import PLAIN_CHAT_TEMPLATE

    tokenizer = AutoTokenizer.from_pretrained(str(tiny_dir))
    tokenizer.chat_template = PLAIN_CHAT_TEMPLATE
    model = AutoModelForCausalLM.from_pretrained(str(tiny_dir), dtype=torch.float32)
    rows = [{**row, "weight": w} for row, w in zip(ROWS, weights)]
    args = DPOConfig(output_dir=str(tmp_path), report_to=[], use_cpu=True, max_length=64, disable_tqdm=True)
    return _trainer_class()(model=model, args=args, train_dataset=datasets.Dataset.from_list(rows),
                            processing_class=tokenizer)


def loss_and_gradient(tiny_dir: Path, tmp_path: Path, weights: list[float]) -> tuple[float, Any]:
    """The loss of one batch of the first len(weights) pairs, and the gradient of one weight matrix."""
    import torch

    dpo = trainer(tiny_dir, tmp_path, weights)
    dpo.model.train()
    batch = dpo.data_collator([dpo.train_dataset[i] for i in range(len(weights))])
    loss = dpo.compute_loss(dpo.model, batch)
    loss.backward()
    gradient = dpo.model.model.layers[0].self_attn.q_proj.weight.grad
    return loss.item(), torch.clone(gradient)


def test_each_pair_gradient_is_scaled_by_its_weight(tiny_dir: Path, tmp_path: Path) -> None:
    import torch

    loss_both, gradient_both = loss_and_gradient(tiny_dir, tmp_path, [1.0, 1.0])
    loss_half, gradient_half = loss_and_gradient(tiny_dir, tmp_path, [0.5, 0.5])
    loss_first, gradient_first = loss_and_gradient(tiny_dir, tmp_path, [2.0, 0.0])
    loss_alone, gradient_alone = loss_and_gradient(tiny_dir, tmp_path, [1.0])
    assert loss_both == pytest.approx(loss_half) == pytest.approx(loss_first)  # the value TRL logs is unweighted
    assert loss_alone == pytest.approx(math.log(2), rel=1e-4)  # policy = reference: -log sigmoid(0)
    assert gradient_both.abs().sum() > 0
    assert torch.allclose(gradient_half, gradient_both / 2, atol=1e-7)
    # (2 l1 + 0 l2) / 2 = l1: the same update as the first pair alone
    assert torch.allclose(gradient_first, gradient_alone, atol=1e-6, rtol=1e-4)


def test_train_weighted_saves_a_policy(tiny_dir: Path, tmp_path: Path) -> None:
    rows = [{**row, "weight": w} for row, w in zip(ROWS, [0.5, 1.5])]
    result = train_weighted(rows, str(tiny_dir), tmp_path / "policy",
                            DPOSettings(max_steps=2, batch_size=2, max_length=64, learning_rate=1e-3))
    assert result.steps == 2 and all(math.isfinite(loss) for loss in result.losses)
    assert (tmp_path / "policy" / "config.json").is_file() and (tmp_path / "policy" / "tokenizer.json").is_file()


def write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_commands_pair_weigh_and_train(tiny_dir: Path, tmp_path: Path) -> None:
    scored = write(tmp_path / "scored.jsonl", [
        {"instruction": "Name a colour.", "response": "Red.", "score": 3.0},
        {"instruction": "Name a colour.", "response": "No.", "score": 1.0},
        {"instruction": "Say hello.", "response": "Hello!", "score": 4.0},
        {"instruction": "Say hello.", "response": "Bye.", "score": 0.0},
        {"instruction": "Tied.", "response": "A.", "score": 2.0},
        {"instruction": "Tied.", "response": "B.", "score": 2.0}])
    runner = CliRunner()
    result = runner.invoke(optune, ["pairs", "--data", str(scored), "--out", str(tmp_path / "pairs.jsonl")],
                           catch_exceptions=False)
    assert result.exit_code == 0 and "2 pairs from 3 prompts (1 without a reward gap)" in result.output
    pairs = [json.loads(line) for line in (tmp_path / "pairs.jsonl").read_text().splitlines()]
    assert [p["weight"] for p in pairs] == pytest.approx([2 / 3, 4 / 3])
    assert pairs[0]["chosen"] == [{"role": "assistant", "content": "Red."}]
    result = runner.invoke(optune, ["train", "--data", str(tmp_path / "pairs.jsonl"), "--model", str(tiny_dir),
                                    "--out", str(tmp_path / "policy"), "--max-steps", "1", "--max-length", "64"],
                           catch_exceptions=False)
    assert result.exit_code == 0 and "trained 1 step(s)" in result.output


def test_commands_refuse_equal_rewards_and_rows_without_weights(tiny_dir: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    tied = write(tmp_path / "tied.jsonl", [{"instruction": "x", "response": r, "score": 5} for r in ("a", "b")])
    result = runner.invoke(optune, ["pairs", "--data", str(tied), "--out", str(tmp_path / "p.jsonl")])
    assert result.exit_code != 0 and "no preference to learn" in str(result.exception)
    unweighted = write(tmp_path / "unweighted.jsonl", [{k: v for k, v in ROWS[0].items()}])
    result = runner.invoke(optune, ["train", "--data", str(unweighted), "--model", str(tiny_dir), "--out",
                                    str(tmp_path / "policy")])
    assert result.exit_code != 0 and "row 1 lacks one of prompt, chosen, rejected, weight" in str(result.exception)
