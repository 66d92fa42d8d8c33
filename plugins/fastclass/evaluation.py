"""Accuracy against gold labels, for corpora that have them (a check of the method, not part of it)."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from synthloom.plugins.fastclass.method import Outcome


def gold_index(value: Any, names: Sequence[str]) -> int | None:
    """A gold label as a class index: a class name, or an index (number or digit string)."""
    if isinstance(value, str) and value in names:
        return names.index(value)
    if isinstance(value, (int, str)) and str(value).isdigit() and int(value) < len(names):
        return int(value)
    return None


def accuracies(outcome: Outcome, vectors: np.ndarray, gold: Sequence[Any],
               names: Sequence[str]) -> dict[str, float | None]:
    """Pseudo-label accuracy on the labelled subset, and the classifier's accuracy on the whole corpus (the
    reference scores its test set, which is also its unlabelled corpus)."""
    truth = [gold_index(g, names) for g in gold]
    labelled = [(c.label, truth[c.document]) for c in outcome.labelled if truth[c.document] is not None]
    known = [i for i, t in enumerate(truth) if t is not None]
    result: dict[str, float | None] = {
        "pseudo_label_accuracy": sum(p == t for p, t in labelled) / len(labelled) if labelled else None,
        "classifier_accuracy": None,
    }
    if outcome.classifier is not None and known:
        predicted = outcome.classifier.predict(vectors[known])
        result["classifier_accuracy"] = float(np.mean([p == truth[i] for p, i in zip(predicted, known)]))
    return result
