"""The two-head reward model: a transformers sequence classifier with two outputs (quality, length).

Its output layer is the two linear heads on the last token's hidden state, without bias, as in ODIN's
`TwoHeadRewardModel`; saving it gives an ordinary `AutoModelForSequenceClassification` folder, so the trained model
loads anywhere (logits[:, 0] is the quality reward, logits[:, 1] the length reward).

By default the heads are read as the reference's `--normalized_proj` reads them: each head's weight vector is
mean-centred and scaled to unit length before it multiplies the feature, so a head can turn but not grow or shrink;
`readout_scale` then sets the outputs' scale (see `use_readout` for why a small backbone feature needs it). The
read-out is a parametrisation while training and is baked into the saved weights, which keeps the folder an ordinary
classifier.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Sequence

from synthloom import ConfigError

if TYPE_CHECKING:
    import torch

LABELS = {0: "quality", 1: "length"}
Readout = Literal["normalized", "raw"]


def prepare_tokenizer(tokenizer: Any) -> Any:
    """A chat template (the plain one synthloom trains base models with) and a pad token, where missing."""
    from synthloom.training import PLAIN_CHAT_TEMPLATE

    if not getattr(tokenizer, "chat_template", None):
        tokenizer.chat_template = PLAIN_CHAT_TEMPLATE
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def load_backbone(model: str) -> tuple[Any, Any]:
    """(two-head model with fresh heads, tokenizer) from `embedded` or a local model folder."""
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from synthloom.training import resolve_model

    folder = resolve_model(model)
    tokenizer = prepare_tokenizer(AutoTokenizer.from_pretrained(str(folder)))
    network = AutoModelForSequenceClassification.from_pretrained(
        str(folder), num_labels=2, id2label=LABELS, label2id={v: k for k, v in LABELS.items()},
        dtype=torch.float32)
    network.config.pad_token_id = tokenizer.pad_token_id
    return network, tokenizer


def head_layer(network: Any) -> "torch.nn.Linear":
    """The output layer: the last linear layer with two outputs."""
    import torch

    layers = [m for m in network.modules() if isinstance(m, torch.nn.Linear) and m.out_features == 2]
    if not layers:
        raise ConfigError(f"{type(network).__name__} has no two-output layer to use as ODIN's heads",
                          hint="use a decoder model (Gemma, Llama, Qwen, ...) or a BERT-style encoder")
    return layers[-1]


def head(network: Any) -> "torch.Tensor":
    """The (2, hidden) weight the heads read the feature with (the normalised one while that read-out trains)."""
    return head_layer(network).weight


def centred_unit(weight: "torch.Tensor") -> "torch.Tensor":
    """Each row mean-centred over the hidden dimension, then of unit length (the reference's `normalized_proj`)."""
    import torch.nn.functional as F

    return F.normalize(weight - weight.mean(dim=-1, keepdim=True), dim=-1, eps=1e-8)


def use_readout(network: Any, readout: Readout, scale: float = 1.0) -> None:
    """Train the heads through `readout` (`normalized`: `centred_unit` of their raw weights), times `scale`.

    `scale` exists for backbones whose pooled feature is small: the correlation terms' gradient grows as the
    outputs' spread shrinks, and a BERT pooler's feature (norm about 1.2; a unit head's outputs spread 0.03 across
    responses) makes it 30 times the ranking loss's, so every clipped update serves the correlations. A decoder's
    last hidden state, which the reference reads, is far larger and needs none."""
    import torch
    from torch.nn.utils import parametrize

    if readout == "raw" and scale == 1.0:
        return

    class HeadReadout(torch.nn.Module):
        def forward(self, weight: torch.Tensor) -> torch.Tensor:
            return scale * (centred_unit(weight) if readout == "normalized" else weight)

    parametrize.register_parametrization(head_layer(network), "weight", HeadReadout())


def bake_readout(network: Any) -> None:
    """Store the weights the heads read with as the plain weights, so the saved folder needs no parametrisation."""
    from torch.nn.utils import parametrize

    layer = head_layer(network)
    if parametrize.is_parametrized(layer, "weight"):
        parametrize.remove_parametrizations(layer, "weight", leave_parametrized=True)


def response_tokens(tokenizer: Any, texts: Sequence[str]) -> list[int]:
    """Each response's length in the reward model's tokens, without special tokens: the paper's L(y)."""
    return [len(ids) for ids in tokenizer(list(texts), add_special_tokens=False)["input_ids"]]


@dataclass(frozen=True)
class Rewards:
    quality: list[float]
    length: list[float]
    tokens: list[int]


class RewardModel:
    """A trained two-head reward model, for scoring (prompt turns, response) pairs in batches."""

    def __init__(self, folder: str | Path, batch_size: int = 8, max_length: int = 1024) -> None:
        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        path = Path(folder)
        if not (path / "config.json").is_file():
            raise ConfigError(f"no reward model in {str(path)!r}",
                              hint="train one with `synthloom odin train` or the odin.train agent")
        self.tokenizer = prepare_tokenizer(AutoTokenizer.from_pretrained(str(path)))
        self.network = AutoModelForSequenceClassification.from_pretrained(str(path), dtype=torch.float32).eval()
        if self.network.config.num_labels != 2:
            raise ConfigError(f"{str(path)!r} has {self.network.config.num_labels} output(s), not ODIN's two heads",
                              hint="train it with `synthloom odin train`")
        self.batch_size, self.max_length = batch_size, max_length

    def score(self, prompts: Sequence[list[dict[str, str]]], responses: Sequence[str]) -> Rewards:
        """Both heads' rewards; the conversation is tokenized by the chat template, as TRL tokenized it in training."""
        import torch

        conversations = [[*p, {"role": "assistant", "content": r}] for p, r in zip(prompts, responses)]
        logits: list[list[float]] = []
        with torch.inference_mode():
            for start in range(0, len(conversations), self.batch_size):
                batch = self.tokenizer.apply_chat_template(
                    conversations[start:start + self.batch_size], tokenize=True, return_dict=True, padding=True,
                    truncation=True, max_length=self.max_length, return_tensors="pt")
                logits += self.network(input_ids=batch["input_ids"],
                                       attention_mask=batch["attention_mask"]).logits.float().tolist()
        return Rewards([row[0] for row in logits], [row[1] for row in logits],
                       response_tokens(self.tokenizer, responses))


@lru_cache(maxsize=2)
def cached(folder: str) -> RewardModel:
    """One loaded model per folder per process, shared by an agent's batches."""
    return RewardModel(folder)
