"""Per-row sampling and stopping for batched `model.generate`, so that batching does not change what a request gets.

Hugging Face's `generate` takes one temperature, one top_p, one random stream and one set of stop strings for the
whole batch. To batch requests that differ in those, sampling is done here, row by row, by a logits processor that
picks each row's token (greedy when its temperature is 0, else from its own seeded generator after temperature
and top-p) and masks every other token, so that `generate` runs with `do_sample=False` and simply takes it.
A stopping criterion ends each row at its own `max_tokens` or stop strings. Imported only when generating (it
imports torch and transformers).

Determinism: a row's random stream is seeded from the request's `seed` and the sample index, so a request with a
seed gets the same samples whatever else is in its batch, up to floating-point differences that batch shape and
padding can cause in the logits (rarely enough to flip a token). Without a seed each call draws a fresh one.
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass
from typing import Any

import torch
from transformers import LogitsProcessor, StoppingCriteria

from synthloom.messages import stable_hash


@dataclass(frozen=True)
class RowSpec:
    """What one generated sequence (one sample of one request) asks for."""

    temperature: float
    top_p: float
    max_tokens: int
    stop: tuple[str, ...]
    seed: int | None
    sample: int
    grammar: str | None = None  # the constraint as an llguidance grammar (see `grammar`), None when unconstrained


def row_generator(spec: RowSpec) -> torch.Generator | None:
    if spec.temperature == 0:
        return None
    seed = secrets.randbits(63) if spec.seed is None else int(stable_hash([spec.seed, spec.sample], length=15), 16)
    return torch.Generator().manual_seed(seed)


class RowSampler(LogitsProcessor):
    def __init__(self, rows: list[RowSpec]) -> None:
        self.rows = rows
        self.generators = [row_generator(r) for r in rows]

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        return self._only(scores, self._choose(scores))

    def truncated(self, row: int) -> bool:
        """Whether the row's reply stopped before its grammar was complete: never, without grammars."""
        return False

    def _choose(self, scores: torch.FloatTensor) -> list[int]:
        """Each row's token, picked by its own rule."""
        return [self._pick(scores[i], row, generator) for i, (row, generator) in enumerate(zip(self.rows,
                                                                                              self.generators))]

    @staticmethod
    def _only(scores: torch.FloatTensor, chosen: list[int]) -> torch.FloatTensor:
        """Scores that leave `generate` (greedy) no choice but the picked tokens."""
        masked = torch.full_like(scores, float("-inf"))
        masked.scatter_(1, torch.tensor(chosen, device=scores.device)[:, None], 0.0)
        return masked

    @staticmethod
    def _pick(logits: torch.Tensor, row: RowSpec, generator: torch.Generator | None) -> int:
        if generator is None:
            return int(logits.argmax())
        probs = torch.softmax(logits.float().cpu() / row.temperature, dim=-1)
        if row.top_p < 1.0:
            sorted_probs, order = probs.sort(descending=True)
            outside = sorted_probs.cumsum(0) - sorted_probs > row.top_p  # keeps the token that crosses top_p
            sorted_probs[outside] = 0.0
            return int(order[torch.multinomial(sorted_probs, 1, generator=generator)])
        return int(torch.multinomial(probs, 1, generator=generator))


class RowStopper(StoppingCriteria):
    """Done per row at its `max_tokens`, at one of its stop strings, or for every row once `cancel` is set.

    `stopped` remembers every row that was ever done: `generate` pads a finished row from then on, and its stop
    string may scroll out of the decoded tail, so a later step's answer alone cannot tell (grammar rows must stay
    frozen where they stopped)."""

    def __init__(self, rows: list[RowSpec], prompt_length: int, tokenizer: Any, cancel: threading.Event) -> None:
        self.rows = rows
        self.prompt_length = prompt_length
        self.tokenizer = tokenizer
        self.cancel = cancel
        # a stop string of L characters spans at most L tokens, plus one for a token straddling its start
        self.tails = [max((len(s) for s in r.stop), default=0) + 1 for r in rows]
        self.stopped = [False] * len(rows)

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor, **kwargs: object) -> torch.BoolTensor:
        generated = input_ids.shape[1] - self.prompt_length
        if self.cancel.is_set():
            return torch.ones(input_ids.shape[0], dtype=torch.bool, device=input_ids.device)
        done = [generated >= row.max_tokens for row in self.rows]
        for i, row in enumerate(self.rows):
            if row.stop and not done[i]:
                tail = self.tokenizer.decode(input_ids[i, -min(self.tails[i], generated):])
                done[i] = any(s in tail for s in row.stop)
        self.stopped = [before or now for before, now in zip(self.stopped, done)]
        return torch.tensor(done, dtype=torch.bool, device=input_ids.device)
