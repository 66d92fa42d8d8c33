"""DPO with a weight per pair, on TRL's DPOTrainer (1.16).

TRL averages the per-pair losses inside one long method, so the weight is applied where each pair's loss gets its
gradient: a forward hook on the policy rescales the gradient (not the value) of each sequence's token
log-probabilities by its pair's weight,

    log_p' = log_p.detach() + w * (log_p - log_p.detach())     (same value, gradient times w).

Each pair's DPO loss depends on the policy only through its own chosen and rejected sequences, so the update is
exactly that of the weighted loss (1/B) sum_i w_i l_i, for every per-pair loss type TRL has (not for `aot`, which
sorts pairs across the batch). The reference model is untouched, and the loss TRL logs is the unweighted one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from synthloom.training import TrainResult

WEIGHT = "weight"


@dataclass(frozen=True)
class DPOSettings:
    """beta 0.1 is DPO's usual value; OPTune's hyper-parameters could not be read (docs/optune.md)."""

    beta: float = 0.1
    learning_rate: float = 5e-7
    epochs: float = 1.0
    max_steps: int | None = None
    batch_size: int = 2
    gradient_accumulation: int = 1
    max_length: int = 1024
    seed: int = 0


def _trainer_class() -> type:
    """Defined on first use, so that importing the plugin does not import TRL."""
    import torch
    from trl import DPOTrainer

    class WeightedDPOTrainer(DPOTrainer):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._row_weights: torch.Tensor | None = None
            inner = self.data_collator

            def collate(examples: list[dict[str, Any]]) -> dict[str, Any]:
                batch = inner(examples)
                batch[WEIGHT] = torch.tensor([float(e[WEIGHT]) for e in examples])
                return batch

            self.data_collator = collate
            self.model.register_forward_hook(self._weigh)

        def _set_signature_columns_if_needed(self) -> None:
            super()._set_signature_columns_if_needed()
            if WEIGHT not in self._signature_columns:
                self._signature_columns = [*self._signature_columns, WEIGHT]

        def _weigh(self, module: Any, inputs: Any, output: Any) -> Any:
            weights = self._row_weights
            if weights is None or not torch.is_grad_enabled() or getattr(output, "log_probs", None) is None:
                return output
            log_probs = output.log_probs
            scale = weights.to(log_probs.device, log_probs.dtype).view(-1, *([1] * (log_probs.dim() - 1)))
            output.log_probs = log_probs.detach() + scale * (log_probs - log_probs.detach())
            return output

        def compute_loss(self, model: Any, inputs: dict[str, Any], return_outputs: bool = False,
                         num_items_in_batch: Any = None) -> Any:
            weights = inputs.pop(WEIGHT)
            self._row_weights = torch.cat([weights, weights]) if model.training else None  # chosen rows, then rejected
            try:
                return super().compute_loss(model, inputs, return_outputs, num_items_in_batch)
            finally:
                self._row_weights = None

    return WeightedDPOTrainer


def train_weighted(rows: Sequence[dict[str, Any]], model: str, out: str | Path,
                   settings: DPOSettings = DPOSettings()) -> TrainResult:
    """Fine-tune `model` (`embedded` or a folder) on preference rows with a `weight` each; save it to `out`."""
    import datasets
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import DPOConfig

    from synthloom.training import PLAIN_CHAT_TEMPLATE, resolve_model

    folder = resolve_model(model)
    tokenizer = AutoTokenizer.from_pretrained(str(folder))
    tokenizer.chat_template = tokenizer.chat_template or PLAIN_CHAT_TEMPLATE
    tokenizer.pad_token = tokenizer.pad_token or tokenizer.eos_token
    on_gpu = torch.cuda.is_available()
    bf16 = on_gpu and torch.cuda.is_bf16_supported()
    network = AutoModelForCausalLM.from_pretrained(str(folder), dtype=torch.bfloat16 if bf16 else torch.float32)
    args = DPOConfig(
        output_dir=str(out), per_device_train_batch_size=settings.batch_size,
        gradient_accumulation_steps=settings.gradient_accumulation, learning_rate=settings.learning_rate,
        num_train_epochs=settings.epochs, max_steps=settings.max_steps or -1, max_length=settings.max_length,
        beta=settings.beta, logging_steps=1, save_strategy="no", report_to=[], seed=settings.seed,
        use_cpu=not on_gpu, bf16=bf16, disable_tqdm=True)
    trainer = _trainer_class()(model=network, args=args, train_dataset=datasets.Dataset.from_list(list(rows)),
                               processing_class=tokenizer)
    trainer.train()
    trainer.save_model(str(out))
    tokenizer.save_pretrained(str(out))
    losses = [float(entry["loss"]) for entry in trainer.state.log_history if "loss" in entry]
    return TrainResult(Path(out), trainer.state.global_step, losses)
