"""ODIN trained with TRL's RewardTrainer: the trainer's data handling (chat templates, tokenisation, length filter,
right-padded chosen-then-rejected batches) is kept, and its loss is replaced by `losses.odin_loss`.

Two things the stock trainer lacks are added: each pair's response lengths travel with the batch (a collator that
adds `lengths`), and the model has two outputs where RewardTrainer insists on one; its constructor's check is met by
presenting `num_labels=1` while it runs, then restoring two (the loss, not the trainer, reads the outputs).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Sequence

from synthloom import ConfigError, training
from synthloom.plugins.odin.losses import LossWeights, odin_loss
from synthloom.plugins.odin.model import Readout
from synthloom.plugins.odin.pairs import Pair

LENGTH_COLUMNS = ("chosen_length", "rejected_length")


@dataclass(frozen=True)
class TrainSettings:
    """Defaults from ODIN's `train_rm.sh` (learning rate 2e-5 with cosine decay, weight decay 0.1, 3 epochs, 1,024
    tokens); 8 pairs a step gives the loss's correlations 16 sequences, as the reference's all-gathered micro-batch
    has."""

    weights: LossWeights = LossWeights()
    learning_rate: float = 2e-5
    epochs: float = 3.0
    max_steps: int | None = None
    batch_size: int = 8
    gradient_accumulation: int = 1
    max_length: int = 1024
    weight_decay: float = 0.1
    seed: int = 0
    readout: Readout = "normalized"
    readout_scale: float = 1.0


@dataclass
class TrainResult(training.TrainResult):
    pairs: int = 0  # the pairs trained on, after TRL left out those longer than max_length


@contextlib.contextmanager
def _presented_as_one_output(network: Any) -> Iterator[None]:
    network.config.num_labels = 1
    try:
        yield
    finally:
        network.config.num_labels = 2
        network.config.id2label = {0: "quality", 1: "length"}
        network.config.label2id = {"quality": 0, "length": 1}


def _classes() -> tuple[type, type]:
    """(trainer, collator), defined on first use so that importing the plugin does not import TRL."""
    import torch
    from trl import RewardTrainer
    from trl.trainer.reward_trainer import DataCollatorForPreference

    from synthloom.plugins.odin.model import head

    class LengthCollator(DataCollatorForPreference):
        def torch_call(self, examples: list[dict[str, Any]]) -> dict[str, Any]:
            batch = super().torch_call(examples)
            batch["lengths"] = torch.tensor([e["chosen_length"] for e in examples]
                                            + [e["rejected_length"] for e in examples], dtype=torch.float32)
            return batch

    class OdinRewardTrainer(RewardTrainer):
        def __init__(self, *args: Any, weights: LossWeights, **kwargs: Any) -> None:
            self.weights = weights
            with _presented_as_one_output(kwargs["model"]):
                super().__init__(*args, **kwargs)

        def _set_signature_columns_if_needed(self) -> None:
            if self._signature_columns is None:
                self._signature_columns = ["chosen_ids", "rejected_ids", *LENGTH_COLUMNS]

        def compute_loss(self, model: Any, inputs: dict[str, Any], return_outputs: bool = False,
                         num_items_in_batch: Any = None) -> Any:
            mode = "train" if self.model.training else "eval"
            lengths = inputs.pop("lengths")
            outputs = model(input_ids=inputs["input_ids"], attention_mask=inputs["attention_mask"], use_cache=False)
            parts = odin_loss(outputs.logits, lengths, head(self.accelerator.unwrap_model(model)), self.weights)
            for name in ("ranking", "length", "decorrelation", "orthogonality", "length_correlation",
                         "quality_correlation"):
                self._metrics[mode][name].append(getattr(parts, name))
            chosen, rejected = outputs.logits.detach().sum(-1).chunk(2)
            self._metrics[mode]["accuracy"].append((chosen > rejected).float().mean().item())
            return (parts.total, outputs) if return_outputs else parts.total

    return OdinRewardTrainer, LengthCollator


def train(pairs: Sequence[Pair], model: str, out: str | Path,
          settings: TrainSettings = TrainSettings()) -> TrainResult:
    """Train a two-head reward model from `model` (`embedded` or a folder) on `pairs` and save it to `out`."""
    import datasets
    import torch
    from trl import RewardConfig

    from synthloom.plugins.odin.model import bake_readout, load_backbone, response_tokens, use_readout

    network, tokenizer = load_backbone(model)
    use_readout(network, settings.readout, settings.readout_scale)
    rows = [{**p.row(), "chosen_length": c, "rejected_length": r} for p, c, r in
            zip(pairs, response_tokens(tokenizer, [p.chosen for p in pairs]),
                response_tokens(tokenizer, [p.rejected for p in pairs]))]
    on_gpu = torch.cuda.is_available()
    args = RewardConfig(
        output_dir=str(out), per_device_train_batch_size=settings.batch_size,
        gradient_accumulation_steps=settings.gradient_accumulation, learning_rate=settings.learning_rate,
        num_train_epochs=settings.epochs, max_steps=settings.max_steps or -1, max_length=settings.max_length,
        lr_scheduler_type="cosine", weight_decay=settings.weight_decay, logging_steps=1, save_strategy="no",
        report_to=[], seed=settings.seed, use_cpu=not on_gpu, bf16=on_gpu and torch.cuda.is_bf16_supported(),
        disable_tqdm=True)
    trainer_class, collator_class = _classes()
    collator = collator_class(pad_token_id=tokenizer.pad_token_id)
    trainer = trainer_class(model=network, args=args, train_dataset=datasets.Dataset.from_list(rows),
                            processing_class=tokenizer, data_collator=collator, weights=settings.weights)
    if not len(trainer.train_dataset):
        raise ConfigError(f"all {len(rows)} training pair(s) are longer than max_length ({settings.max_length} "
                          "tokens), which TRL's RewardTrainer leaves out", hint="raise max_length")
    trainer.train()
    bake_readout(network)
    trainer.save_model(str(out))
    tokenizer.save_pretrained(str(out))
    losses = [float(entry["loss"]) for entry in trainer.state.log_history if "loss" in entry]
    return TrainResult(Path(out), trainer.state.global_step, losses, len(trainer.train_dataset))
