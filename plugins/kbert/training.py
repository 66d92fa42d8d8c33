"""Fine-tuning a pair model the way the reference does: AdamW with learning rate 2e-5, weight decay 0.01 except on
biases and LayerNorm weights, linear warm-up over the first 10% of the steps and linear decay to zero after.

The reference trains for a number of epochs with early stopping on a dev set; with a few dozen pairs (the
data-scarce regime the paper is about) an epoch is one or two steps, so `min_steps` lets a small set be seen several
times instead of leaving the new head almost untrained. Every pair is encoded (prior included) once, before the
first step.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Callable, Sequence

from synthloom.plugins.kbert.pair_model import PairModel

LabelledPair = tuple[str, str, float]


@dataclass
class TrainResult:
    steps: int
    pairs: int
    seconds: float
    losses: list[float] = field(default_factory=list)

    @property
    def final_loss(self) -> float:
        return self.losses[-1] if self.losses else math.nan


def step_count(pairs: int, epochs: float, batch_size: int, min_steps: int = 0) -> int:
    return max(min_steps, math.ceil(pairs * epochs / batch_size))


def fine_tune(model: PairModel, pairs: Sequence[LabelledPair], *, epochs: float = 3.0, batch_size: int = 16,
              learning_rate: float = 2e-5, head_learning_rate: float | None = None, warmup: float = 0.1,
              weight_decay: float = 0.01, min_steps: int = 0, seed: int = 0,
              progress: Callable[[int, int, float], None] | None = None) -> TrainResult:
    """Train `model` in place on (text_a, text_b, label) triples; labels are 0/1 for classification, scores for
    regression. `head_learning_rate` (default: `learning_rate`) is for the new output layer alone: with a few dozen
    steps at 2e-5, a freshly initialised head barely moves."""
    import torch
    from transformers import get_linear_schedule_with_warmup

    if not pairs:
        raise ValueError("no training pairs")
    started = time.monotonic()
    encoded = model.encode([(a, b) for a, b, _ in pairs])
    dtype = torch.float if model.settings.task == "regression" else torch.long
    labels = torch.tensor([label for _, _, label in pairs], dtype=dtype)
    total = step_count(len(pairs), epochs, batch_size, min_steps)
    groups: dict[tuple[bool, bool], list[torch.nn.Parameter]] = {}
    for name, parameter in model.model.named_parameters():
        decays = not ("bias" in name or "LayerNorm" in name)
        groups.setdefault((name.startswith("classifier."), decays), []).append(parameter)
    optimizer = torch.optim.AdamW([
        {"params": params, "weight_decay": weight_decay if decays else 0.0,
         "lr": (head_learning_rate or learning_rate) if head else learning_rate}
        for (head, decays), params in groups.items()], lr=learning_rate)
    schedule = get_linear_schedule_with_warmup(optimizer, int(total * warmup), total)
    generator = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)  # dropout
    model.model.train()
    result = TrainResult(steps=total, pairs=len(pairs), seconds=0.0)
    order: list[int] = []
    for step in range(total):
        if len(order) < batch_size:
            order += torch.randperm(len(pairs), generator=generator).tolist()
        chosen, order = order[:batch_size], order[batch_size:]
        batch = model.batch([encoded[i] for i in chosen])
        loss = model.model(**batch, labels=labels[chosen]).loss
        loss.backward()
        optimizer.step()
        schedule.step()
        optimizer.zero_grad()
        result.losses.append(loss.item())
        if progress is not None:
            progress(step + 1, total, result.losses[-1])
    model.model.eval()
    result.seconds = time.monotonic() - started
    return result
