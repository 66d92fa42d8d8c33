"""Classifiers trained on FastClass's pseudo-labelled subset, and the reference's label-free way of choosing the
subset size: train one per candidate size and keep the one whose predictions on the unlabelled corpus have the
highest entropy (in bits; ties go to the later candidate, as in `Select_N_K2.py`).

The reference fine-tunes RoBERTa for every candidate; by default here a logistic regression on the sentence
embeddings already computed is trained instead (milliseconds, so the size search costs nothing), and a
transformers sequence classifier can be trained on the chosen subset.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np


def entropy_bits(labels: Sequence[int]) -> float:
    """H of the predicted label distribution, in bits."""
    counts = Counter(labels)
    total = sum(counts.values())
    return -sum(c / total * math.log2(c / total) for c in counts.values()) if total else 0.0


def train_logistic(vectors: np.ndarray, labels: Sequence[int], seed: int = 0) -> Any:
    """scikit-learn's logistic regression on the embeddings; a single class cannot be fitted, so it is refused."""
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(max_iter=1000, random_state=seed).fit(vectors, list(labels))


@dataclass(frozen=True)
class TransformerSettings:
    """The reference's RoBERTa recipe: AdamW at 2e-5, 4 epochs, batch 32, 256 tokens, linear decay, seed 42."""

    learning_rate: float = 2e-5
    epochs: float = 4.0
    batch_size: int = 32
    max_length: int = 256
    seed: int = 42


def train_transformer(texts: Sequence[str], labels: Sequence[int], names: Sequence[str], base: str | Path,
                      out: str | Path, settings: TransformerSettings = TransformerSettings()) -> Any:
    """Fine-tune a sequence classifier from `base` (a local model folder) with transformers' Trainer; save it."""
    import datasets
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer, Trainer, TrainingArguments

    tokenizer = AutoTokenizer.from_pretrained(str(base))
    model = AutoModelForSequenceClassification.from_pretrained(
        str(base), num_labels=len(names), id2label=dict(enumerate(names)),
        label2id={n: i for i, n in enumerate(names)}, dtype=torch.float32)
    data = datasets.Dataset.from_dict({"text": list(texts), "label": list(labels)}).map(
        lambda batch: tokenizer(batch["text"], truncation=True, max_length=settings.max_length), batched=True)
    args = TrainingArguments(output_dir=str(out), learning_rate=settings.learning_rate,
                             num_train_epochs=settings.epochs, per_device_train_batch_size=settings.batch_size,
                             lr_scheduler_type="linear", seed=settings.seed, save_strategy="no", report_to=[],
                             logging_steps=1, disable_tqdm=True, use_cpu=not torch.cuda.is_available())
    trainer = Trainer(model=model, args=args, train_dataset=data, processing_class=tokenizer)
    trainer.train()
    trainer.save_model(str(out))
    return trainer
