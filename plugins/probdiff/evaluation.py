"""One model's self-evaluation of a batch of queries: answer, rewrite (as often as asked), score. Shared by the
`probdiff.evaluate` agent and the `synthloom probdiff` commands, so that both follow the reference's steps alike."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Sequence

from synthloom import ConfigError, SamplingConfig, ScoreRequest
from synthloom.plugins.probdiff import parsing
from synthloom.plugins.probdiff.prefixes import prefix_builder
from synthloom.plugins.probdiff.prompts import rewrite_prompt

if TYPE_CHECKING:
    from synthloom import ModelClient

# The reference's sampling: answers at T 0.7, revisions at T 0.1, both up to 1,024 new tokens; scoring cut at 4,096.
ANSWER_SAMPLING = SamplingConfig(temperature=0.7, max_tokens=1024)
REVISE_SAMPLING = SamplingConfig(temperature=0.1, max_tokens=1024)
MAX_LENGTH = 4096


@dataclass(frozen=True)
class Settings:
    answer: SamplingConfig = field(default_factory=lambda: ANSWER_SAMPLING)
    revise: SamplingConfig = field(default_factory=lambda: REVISE_SAMPLING)
    iterations: int = 1
    rewriter: str = "default"
    prefix: str = "auto"
    max_length: int = MAX_LENGTH
    threshold: float = parsing.TIE_THRESHOLD


def check_scoring(client: "ModelClient") -> None:
    """Refuse before anything is generated: answers from a model that cannot score them would be paid for nothing."""
    if not client.can_score:
        raise ConfigError(f"ProbDiff scores a model's answers with the model itself, and model {client.name!r} "
                          "cannot score (its backend returns no prompt log-probabilities)",
                          hint="use a transformers or vllm model, or a litellm server that echoes prompt logprobs "
                               "(vLLM's OpenAI server)")


def _seed(seed: int, step: int) -> int:
    return (seed + 7919 * step) % 2**31


async def evaluate(client: "ModelClient", queries: Sequence[str], seeds: Sequence[int],
                   settings: Settings) -> list[dict[str, Any]]:
    """The fields of a `probdiff.evaluation` (without `model`) for each query, in order."""
    check_scoring(client)
    prefix = prefix_builder(settings.prefix, client.backend)
    replies = await client.generate([settings.answer.request(q, seed=s, n=1) for q, s in zip(queries, seeds)])
    answers = [r.texts()[0] for r in replies]
    chains: list[list[str]] = [[] for _ in queries]
    latest = list(answers)
    for step in range(1, settings.iterations + 1):
        requests = [settings.revise.request(rewrite_prompt(q, text, settings.rewriter), seed=_seed(s, step), n=1)
                    for q, text, s in zip(queries, latest, seeds)]
        latest = [r.texts()[0] for r in await client.generate(requests)]
        for chain, text in zip(chains, latest):
            chain.append(text)
    texts = [[answer, *chain] for answer, chain in zip(answers, chains)]
    logprobs = await _score(client, [prefix(q) for q in queries], texts, settings.max_length)
    out = []
    for query, answer, chain, scored in zip(queries, answers, chains, logprobs):
        (answer_lp, answer_tokens), revised = scored[0], scored[1:]
        value, gaps = parsing.probdiff([lp for lp, _ in revised], answer_lp)
        out.append({"query": query, "answer": answer, "revisions": chain, "answer_logprob": _none(answer_lp),
                    "revision_logprobs": [_none(lp) for lp, _ in revised], "gaps": gaps, "probdiff": value,
                    "label": parsing.label(value, settings.threshold), "status": parsing.status(answer, chain),
                    "answer_tokens": answer_tokens})
    return out


async def _score(client: "ModelClient", prefixes: Sequence[str], texts: Sequence[Sequence[str]],
                 max_length: int) -> list[list[tuple[float, int]]]:
    """(mean log-probability, tokens) of every text after its query's prefix; NaN for an empty text or a failed
    score, as the reference's empty mean."""
    requests = [ScoreRequest(prefix=p, continuation=t, max_length=max_length)
                for p, group in zip(prefixes, texts) for t in group if t]
    responses = iter(await client.score(requests) if requests else [])
    out = []
    for group in texts:
        row = []
        for text in group:
            response = next(responses) if text else None
            lps = response.logprobs if response is not None and not response.error else []
            row.append((parsing.mean_logprob(lps), len(lps)))
        out.append(row)
    return out


def _none(value: float) -> float | None:
    return None if math.isnan(value) else value
