"""Contradiction probabilities for BSDetector's observed consistency, through AutoIF's NLI dispatch.

The judge is the one AutoIF's back-translation check uses (`synthloom.plugins.autoif.nli`): a local NLI classifier
directory (BSDetector used DeBERTa-large MNLI; none can be fetched here), or the campaign's own model prompted for one
label. A classifier gives the probability of "contradiction" (softmax over its labels, the pair encoded premise
first, as uqlm's `NLIScorer`); a model's label gives 1 or 0, and an unreadable label gives None, which the
consistency rule leaves out and counts.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Sequence

from synthloom.plugins.autoif.nli import ClassifierNLI, nli_labels

if TYPE_CHECKING:
    from synthloom import ModelClient

Judge = Literal["model", "classifier"]


async def contradiction_probabilities(pairs: Sequence[tuple[str, str]], judge: Judge, *,
                                      client: "ModelClient | None" = None,
                                      nli_model: Path | None = None) -> list[float | None]:
    """p(contradiction | premise, hypothesis) per pair."""
    if not pairs:
        return []
    if judge == "classifier":
        classifier = await asyncio.to_thread(ClassifierNLI.load, nli_model or Path(""))
        return await asyncio.to_thread(classifier_probabilities, classifier, pairs)
    labels = await nli_labels(pairs, "model", client=client)
    return [None if label == "unknown" else float(label == "contradiction") for label in labels]


def classifier_probabilities(classifier: ClassifierNLI, pairs: Sequence[tuple[str, str]]) -> list[float | None]:
    """The softmax probability of the classifier's "contradiction" label (found by name in `id2label`)."""
    import torch

    index = next(i for i, name in classifier.labels.items() if name == "contradiction")
    encoded = classifier.tokenizer([p for p, _ in pairs], [h for _, h in pairs], truncation=True, padding=True,
                                   return_tensors="pt")
    with torch.no_grad():
        probabilities = classifier.model(**encoded).logits.float().softmax(-1)
    return [float(p) for p in probabilities[:, index].tolist()]
