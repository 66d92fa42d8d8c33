"""BSDetector's confidence in a proposed answer, for a batch: k sampled answers compared with it (observed
consistency) and two self-reflection questions (certainty). Shared by the confidence and auto-correct agents and by
`synthloom clear confidence`, so that a dataset response and a judge's verdict are scored by the same steps.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Sequence

from synthloom import SamplingConfig
from synthloom.plugins.clear import parsing, prompts
from synthloom.plugins.clear.nli import Judge, contradiction_probabilities

if TYPE_CHECKING:
    from synthloom import ModelClient

# BSDetector samples k = 5 answers at temperature 1.0; its reflection temperature is not stated (copies use 0).
SAMPLES = 5


@dataclass(frozen=True)
class Settings:
    samples: int = SAMPLES
    sampling: SamplingConfig = field(default_factory=lambda: SamplingConfig(temperature=1.0, max_tokens=256))
    reflection: SamplingConfig = field(default_factory=lambda: SamplingConfig(temperature=0.0, max_tokens=128))
    alpha: float = parsing.ALPHA
    beta: float = parsing.BETA
    judge: Judge = "model"
    nli_model: Path | None = None
    template: str = prompts.SAMPLE


@dataclass(frozen=True)
class Confidence:
    """Everything BSDetector computed for one proposed answer."""

    sampled: list[str]
    consistency: parsing.Consistency
    letters: list[str | None]
    certainty: float
    no_letter: int
    confidence: float

    def fields(self) -> dict[str, Any]:
        return {"sampled": self.sampled, "observed": self.consistency.observed, "ncp": self.consistency.ncp,
                "emr": self.consistency.emr, "nli_unread": self.consistency.unread, "reflections": self.letters,
                "certainty": self.certainty, "no_letter": self.no_letter, "confidence": self.confidence}


async def bsdetector(client: "ModelClient", questions: Sequence[str], answers: Sequence[str], seeds: Sequence[int],
                     settings: Settings, *, nli_client: "ModelClient | None" = None,
                     same: Callable[[str], str] = parsing.normalise) -> list[Confidence]:
    """Confidence that `answers[i]` is right for `questions[i]`. `same` maps an answer to what exact match compares
    (a judge's verdicts compare as yes/no); NLI compares the extracted answers themselves."""
    sample_requests = [settings.sampling.request(prompts.sample_prompt(q, settings.template), seed=s,
                                                 n=settings.samples) for q, s in zip(questions, seeds)]
    reflection_requests = [settings.reflection.request(text, seed=s, n=1)
                           for q, a, s in zip(questions, answers, seeds) for text in prompts.reflection_prompts(q, a)]
    replies = await client.generate(sample_requests + reflection_requests)
    sampled = [[parsing.extract_answer(t) for t in r.texts()] for r in replies[:len(questions)]]
    letters = [parsing.parse_letter(r.texts()[0]) for r in replies[len(questions):]]
    matches = [[same(s) == same(a) for s in group] for a, group in zip(answers, sampled)]
    pairs = [(a, s) for a, group, hits in zip(answers, sampled, matches) for s, hit in zip(group, hits) if not hit]
    both = [pair for a, s in pairs for pair in ((a, s), (s, a))]
    probabilities = iter(await contradiction_probabilities(both, settings.judge, client=nli_client or client,
                                                           nli_model=settings.nli_model))
    out = []
    for index, (group, hits) in enumerate(zip(sampled, matches)):
        contradictions = [(None, None) if hit else (next(probabilities), next(probabilities)) for hit in hits]
        consistency = parsing.observed_consistency(hits, contradictions, settings.alpha)
        chosen = letters[2 * index:2 * index + 2]
        certainty, missing = parsing.certainty(chosen)
        out.append(Confidence(group, consistency, chosen, certainty, missing,
                              parsing.confidence(consistency.observed, certainty, settings.beta)))
    return out
