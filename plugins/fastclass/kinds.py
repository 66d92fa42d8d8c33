"""Message kinds of the fastclass plugin: corpus documents, pseudo-labelled documents and the trained classifier."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from synthloom import Message


class Document(Message):
    """One unlabelled document, with the other fields of its source row (a gold label, if the file has one)."""

    kind: str = "fastclass.document"
    text: str
    extra: dict[str, Any] = Field(default_factory=dict)


class Labelled(Message):
    """A document FastClass labelled: its class, its cosine similarity to the class description, and its rank in the
    class's facility-location ranking (0 = picked first)."""

    kind: str = "fastclass.labelled"
    text: str
    label: str
    label_id: int
    score: float
    rank: int
    classes: list[str]
    extra: dict[str, Any] = Field(default_factory=dict)

    def to_sft(self) -> dict[str, Any]:
        """Classification as instruction data: the text and the class names in, the class out."""
        options = ", ".join(self.classes)
        return {"messages": [
            {"role": "user", "content": f"Classify the text as one of: {options}.\n\nText: {self.text}"},
            {"role": "assistant", "content": self.label}]}


class Classifier(Message):
    """The classifier trained on the labelled subset; `entropies` are the prediction entropies (bits) on the corpus
    for each candidate subset size, the largest of which chose `keep`."""

    kind: str = "fastclass.classifier"
    path: str | None
    classifier: str
    classes: list[str]
    documents: int
    keep: float
    entropies: dict[str, float | None]
