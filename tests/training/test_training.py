"""`synthloom train` on CPU: a few steps of SFT and DPO on a tiny randomly initialised Llama, and the embedded model."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from click.testing import CliRunner

from synthloom.errors import ConfigError
from synthloom.training import PLAIN_CHAT_TEMPLATE, train
from synthloom.training_cli import train as train_command

SFT_ROWS = [{"messages": [{"role": "user", "content": f"Say {w} in lowercase."},
                          {"role": "assistant", "content": w.lower()}]} for w in ("Apple", "Banana", "Cherry", "Date")]
DPO_ROWS = [{"prompt": [{"role": "user", "content": f"Say {w} in lowercase."}],
             "chosen": [{"role": "assistant", "content": w.lower()}],
             "rejected": [{"role": "assistant", "content": w.upper()}]} for w in ("Apple", "Banana", "Cherry", "Date")]


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2-layer Llama with a word-level tokenizer built with `tokenizers`: no download, seconds to train."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    words = sorted({w for text in ["User Assistant System Say in lowercase", "apple banana cherry date",
                                   "APPLE BANANA CHERRY DATE Apple Banana Cherry Date"] for w in text.split()})
    vocab = {tok: i for i, tok in enumerate(["<pad>", "<unk>", "<s>", "</s>", ":", ".", *words])}
    backend = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    backend.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.Whitespace()])
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=backend, bos_token="<s>", eos_token="</s>",
                                        pad_token="<pad>", unk_token="<unk>")
    config = LlamaConfig(vocab_size=len(vocab), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=128,
                         pad_token_id=0, bos_token_id=2, eos_token_id=3)
    directory = tmp_path_factory.mktemp("tiny-llama")
    LlamaForCausalLM(config).save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory


def test_sft_trains_and_saves(tiny_model: Path, tmp_path: Path) -> None:
    data = write_jsonl(tmp_path / "sft.jsonl", SFT_ROWS)
    result = train("sft", data, str(tiny_model), tmp_path / "out", max_steps=3, learning_rate=1e-3)
    assert result.steps == 3 and len(result.losses) == 3
    assert all(math.isfinite(loss) for loss in result.losses)
    assert (tmp_path / "out" / "model.safetensors").is_file()
    assert (tmp_path / "out" / "tokenizer.json").is_file()


def test_sft_on_prompt_completion_rows_learns_the_completion(tiny_model: Path, tmp_path: Path) -> None:
    rows = [{"prompt": f"Say {w} in lowercase.", "completion": f" {w.lower()}"} for w in ("Apple", "Banana")]
    result = train("sft", write_jsonl(tmp_path / "pc.jsonl", rows * 4), str(tiny_model), tmp_path / "pc",
                   max_steps=12, learning_rate=3e-2)
    assert result.steps == 12 and all(math.isfinite(loss) for loss in result.losses)
    assert result.losses[-1] < result.losses[0]


def test_dpo_through_the_command(tiny_model: Path, tmp_path: Path) -> None:
    data = write_jsonl(tmp_path / "dpo.jsonl", DPO_ROWS)
    result = CliRunner().invoke(train_command, ["dpo", "--data", str(data), "--model", str(tiny_model),
                                                "--out", str(tmp_path / "dpo-out"), "--max-steps", "2"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "trained 2 step(s)" in result.output and "nan" not in result.output
    assert (tmp_path / "dpo-out" / "model.safetensors").is_file()


def test_wrong_or_empty_datasets_are_refused_before_loading_a_model(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"DPO needs prompt\+chosen\+rejected"):
        train("dpo", write_jsonl(tmp_path / "sft.jsonl", SFT_ROWS), "embedded", tmp_path / "o")
    with pytest.raises(ConfigError, match="is empty"):
        train("sft", write_jsonl(tmp_path / "none.jsonl", []), "embedded", tmp_path / "o")
    with pytest.raises(ConfigError, match="neither 'embedded'"):
        train("sft", write_jsonl(tmp_path / "ok.jsonl", SFT_ROWS), str(tmp_path), tmp_path / "o")


def test_plain_template_matches_the_backend_prompt() -> None:
    from jinja2 import Template

    from synthloom.backends.base import ChatMessage
    from synthloom.backends.chat_template import plain_chat_prompt

    messages = [{"role": "user", "content": "Hi"}]
    rendered = Template(PLAIN_CHAT_TEMPLATE).render(messages=messages, add_generation_prompt=True, eos_token="</s>")
    assert rendered == plain_chat_prompt([ChatMessage(role="user", content="Hi")])


@pytest.mark.model
def test_embedded_model_trains_one_step(tmp_path: Path) -> None:
    data = write_jsonl(tmp_path / "sft.jsonl", SFT_ROWS[:2])
    result = train("sft", data, "embedded", tmp_path / "out", max_steps=1, max_length=64)
    assert result.steps == 1 and math.isfinite(result.final_loss)
    assert (tmp_path / "out" / "config.json").is_file()
