"""Natural-language inference for the back-translation check: does an instruction contradict its back-translation?

The reference uses the mDeBERTa-v3-base-xnli classifier, which cannot be fetched here, so the default judge is the
campaign's own model, prompted for one label; any local sequence-classification model directory works as well
(its `id2label` must name a "contradiction" label).
"""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from synthloom import ConfigError, GenerateRequest, SamplingConfig
from synthloom.plugins.autoif import fewshot, prompts
from synthloom.plugins.autoif.parsing.replies import NLI_LABELS, parse_nli_label
from synthloom.plugins.autoif.structured import constraint

if TYPE_CHECKING:
    from synthloom.model_client import ModelClient

# One greedy word is all a label needs.
JUDGE_SAMPLING = SamplingConfig(temperature=0.0, max_tokens=8)


def judge_request(client: "ModelClient", premise: str, hypothesis: str, structured: bool) -> GenerateRequest:
    """The question for a chat model, or solved examples for a base model to continue; with `structured` the reply
    is one of the labels."""
    if client.prompt_style == "completion":
        return JUDGE_SAMPLING.request(fewshot.nli(premise, hypothesis), seed=None, style="completion",
                                      stop=fewshot.STOP_LINE, **constraint(structured, choice=fewshot.NLI_CHOICES))
    return JUDGE_SAMPLING.request(prompts.nli_judge(premise, hypothesis), seed=None,
                                  **constraint(structured, choice=list(NLI_LABELS)))


async def judge_with_model(client: "ModelClient", pairs: Sequence[tuple[str, str]], structured: bool = True
                           ) -> list[str]:
    """One label per (premise, hypothesis); a failed call or an unreadable reply is 'unknown'."""
    requests = [judge_request(client, p, h, structured) for p, h in pairs]
    responses = await client.generate(requests) if requests else []
    return [parse_nli_label(r.generations[0].text) if r.error is None and r.generations else "unknown"
            for r in responses]


async def nli_labels(pairs: Sequence[tuple[str, str]], judge: str, *, client: "ModelClient | None" = None,
                     nli_model: Path | None = None, structured: bool = True) -> list[str]:
    """One label per (instruction, back-translation): from `client` (judge "model"), a local classifier directory
    (judge "classifier"), or "unchecked" for every pair (judge "none")."""
    if judge == "none":
        return ["unchecked"] * len(pairs)
    if judge == "classifier":
        classifier = await asyncio.to_thread(ClassifierNLI.load, nli_model or Path(""))
        return await asyncio.to_thread(classifier.labels_for, pairs)
    if client is None:
        raise ConfigError("the NLI judge 'model' needs a model", hint="give the back-translator a model")
    return await judge_with_model(client, pairs, structured)


class ClassifierNLI:
    """A local `AutoModelForSequenceClassification`, loaded once per directory and shared by all batches."""

    _loaded: dict[str, "ClassifierNLI"] = {}
    _lock = threading.Lock()

    def __init__(self, path: Path) -> None:
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        self.tokenizer = AutoTokenizer.from_pretrained(str(path))
        self.model = AutoModelForSequenceClassification.from_pretrained(str(path)).eval()
        labels = {int(i): str(name).lower() for i, name in self.model.config.id2label.items()}
        if "contradiction" not in labels.values():
            raise ConfigError(f"the NLI model in {str(path)!r} has no 'contradiction' label ({labels})",
                              hint="use an NLI classifier whose config.id2label names entailment/neutral/contradiction")
        self.labels = labels

    @classmethod
    def load(cls, path: Path) -> "ClassifierNLI":
        if not path.is_dir():
            raise ConfigError(f"NLI model directory {str(path)!r} does not exist",
                              hint="give a local directory saved with save_pretrained()")
        with cls._lock:
            key = str(path.resolve())
            if key not in cls._loaded:
                cls._loaded[key] = cls(path)
            return cls._loaded[key]

    def labels_for(self, pairs: Sequence[tuple[str, str]]) -> list[str]:
        """Premise first, hypothesis second, truncated to the model's length, as in the reference."""
        import torch

        if not pairs:
            return []
        encoded = self.tokenizer([p for p, _ in pairs], [h for _, h in pairs], truncation=True, padding=True,
                                 return_tensors="pt")
        with torch.no_grad():
            logits = self.model(**encoded).logits
        return [self.labels[int(i)] for i in logits.argmax(-1).tolist()]
