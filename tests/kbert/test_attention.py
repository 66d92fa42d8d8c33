"""The prior reaches the first layer's attention scores, and nothing else changes: an all-ones prior is standard
attention, padding is masked in every layer (unless the reference's quirk is asked for), and the mask function is
what keeps the mask (a custom attention function registered alone silently loses it).

Hidden states are compared rather than logits: a tiny random model's logits are all near zero."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch

from synthloom.plugins.kbert.encoding import PairEncoder
from synthloom.plugins.kbert.pair_model import PairModel, PairSettings

pytestmark = pytest.mark.model

PAIRS = [("the dog sat", "a cat sat on the mat"), ("answer with emoji only", "translate your answer into emojis")]
LONG = ("the dog sat on the mat with the cat", "a kitten sat on a mat " * 3)


def plain(tiny_bert: Path, **settings: Any) -> PairModel:
    model = PairModel.create(tiny_bert, PairSettings(use_prior=False, **settings))
    model.model.eval()
    return model


def batch_of(model: PairModel, pairs: list[tuple[str, str]]) -> dict[str, torch.Tensor]:
    encoder = PairEncoder(model.tokenizer, None, model.settings.max_length)
    return model.batch([encoder.encode(a, b) for a, b in pairs])


def hidden(bert: Any, batch: dict[str, torch.Tensor], **extra: Any) -> torch.Tensor:
    with torch.no_grad():
        return bert(**batch, **extra).last_hidden_state


def test_all_ones_prior_is_standard_attention(tiny_bert: Path) -> None:
    from transformers import BertModel

    model = plain(tiny_bert)
    standard = BertModel.from_pretrained(str(tiny_bert), attn_implementation="eager").eval()
    batch = batch_of(model, PAIRS)
    width = batch["input_ids"].shape[1]
    reference = hidden(standard, batch)
    ones = hidden(model.model.bert, batch, knowledge_prior=torch.ones(len(PAIRS), width, width))
    assert torch.allclose(ones, reference, atol=1e-6)
    assert torch.allclose(hidden(model.model.bert, batch), reference, atol=1e-6)


def test_the_prior_changes_the_first_layer_scores(tiny_bert: Path) -> None:
    model = plain(tiny_bert)
    batch = batch_of(model, PAIRS[:1])
    width = batch["input_ids"].shape[1]
    prior = torch.ones(1, width, width)
    prior[0, 1:4, 5:] = 0.1
    weights: list[torch.Tensor] = []
    hook = model.model.bert.encoder.layer[0].attention.self.register_forward_hook(
        lambda module, args, output: weights.append(output[1]))
    hidden(model.model.bert, batch, knowledge_prior=torch.ones_like(prior))
    hidden(model.model.bert, batch, knowledge_prior=prior)
    hook.remove()
    assert not torch.allclose(weights[0], weights[1])
    assert model.model.config.kbert_prior_layers == [0]


def test_padding_is_masked_in_every_layer(tiny_bert: Path) -> None:
    model = plain(tiny_bert)
    alone = hidden(model.model.bert, batch_of(model, PAIRS[:1]))
    padded = hidden(model.model.bert, batch_of(model, [PAIRS[0], LONG]))
    assert padded.shape[1] > alone.shape[1]
    assert torch.allclose(alone[0], padded[0, :alone.shape[1]], atol=1e-5)


def test_compat_mode_lets_later_layers_attend_to_padding(tiny_bert: Path) -> None:
    model = plain(tiny_bert, compat=True, max_length=40)
    batch = batch_of(model, PAIRS[:1])
    assert batch["input_ids"].shape[1] == 40  # the reference pads every pair to max_length
    n = int(batch["attention_mask"].sum())
    prior = torch.ones(1, 40, 40)
    unpadded = hidden(model.model.bert, {k: v[:, :n] for k, v in batch.items()})
    quirk = hidden(model.model.bert, batch, knowledge_prior=prior)[:, :n]
    model.model.config.kbert_mask_every_layer = True
    masked = hidden(model.model.bert, batch, knowledge_prior=prior)[:, :n]
    assert torch.allclose(masked, unpadded, atol=1e-5)
    assert not torch.allclose(quirk, unpadded, atol=1e-3)


def test_an_attention_function_without_a_mask_function_drops_the_mask(tiny_bert: Path) -> None:
    """Why attention.register() also registers a mask function: this is what happens without one."""
    from transformers import AttentionInterface, BertModel

    from synthloom.plugins.kbert.attention import prior_attention

    AttentionInterface.register("kbert_test_unmasked", prior_attention)
    unmasked = BertModel.from_pretrained(str(tiny_bert), attn_implementation="kbert_test_unmasked").eval()
    model = plain(tiny_bert)
    alone = hidden(unmasked, batch_of(model, PAIRS[:1]))
    padded = hidden(unmasked, batch_of(model, [PAIRS[0], LONG]))
    assert not torch.allclose(alone[0], padded[0, :alone.shape[1]], atol=1e-3)


@pytest.mark.slow
def test_minilm_is_a_six_layer_twelve_head_bert_and_ones_change_nothing() -> None:
    """The embedded MiniLM is the default base: a plain BERT whose every layer goes through the prior attention."""
    from transformers import BertForSequenceClassification, BertModel

    from synthloom.plugins.kbert.pair_model import base_path

    model = PairModel.create("minilm", PairSettings(use_prior=False))
    model.model.eval()
    config = model.model.config
    assert isinstance(model.model, BertForSequenceClassification)
    assert (config.num_hidden_layers, config.num_attention_heads) == (6, 12)
    assert config._attn_implementation == "kbert_prior"
    batch = batch_of(model, [PAIRS[1], LONG])
    width = batch["input_ids"].shape[1]
    standard = BertModel.from_pretrained(str(base_path("minilm")), attn_implementation="eager").eval()
    reference = hidden(standard, batch)
    ones = hidden(model.model.bert, batch, knowledge_prior=torch.ones(2, width, width))
    assert torch.allclose(ones, reference, atol=1e-5)
