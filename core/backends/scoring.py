"""Per-token log-probabilities with bounded memory, and the token positions a ScoreRequest asks for.

A causal LM's logits cover the whole vocabulary at every position: for Gemma 3 (262k tokens) one batch of 32
sequences of 150 tokens is 2.5 GB in bf16, 5 GB once upcast for the softmax. Scoring only needs the probability
of one token per position, and only at the continuation's positions. So the model's backbone is run to get the
final hidden states, the positions to score are gathered first, and the LM head, softcapping and log-softmax are
applied to a few of them at a time (`chunk_rows`), in float32 for the softmax. Peak extra memory is then
`chunk_rows x vocabulary x 4` bytes however large the batch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from synthloom.backends.base import ScoreRequest
from synthloom.errors import CannotScoreError


@dataclass(frozen=True)
class ScoreSpan:
    """A request's token ids (already truncated) and the first position to score (always >= 1: the first token has
    nothing before it to be predicted from)."""

    input_ids: list[int]
    first: int
    truncated: bool


def score_span(tokenizer: Any, request: ScoreRequest, max_tokens: int | None) -> ScoreSpan:
    """Tokenize a ScoreRequest (see its docstring for the text and token forms) and truncate it from the right to
    `request.max_length`, or else to `max_tokens` (the model's context)."""
    if request.input_ids is not None:
        ids, first = list(request.input_ids), request.target_start or 0
    else:
        if not getattr(tokenizer, "is_fast", False):
            raise CannotScoreError("text-form scoring needs a fast tokenizer (with offset mappings)",
                                   hint="use the token form of ScoreRequest (input_ids, target_start)")
        text = request.prefix + request.continuation
        encoded = tokenizer(text, return_offsets_mapping=True, return_special_tokens_mask=True)
        ids = list(encoded["input_ids"])
        boundary = len(request.prefix)
        starts = [
            i for i, ((start, _), special) in enumerate(zip(encoded["offset_mapping"], encoded["special_tokens_mask"]))
            if start >= boundary and not special
        ]
        first = starts[0] if starts else len(ids)
    limit = request.max_length if request.max_length is not None else max_tokens
    truncated = limit is not None and len(ids) > limit
    if truncated:
        ids = ids[:limit]
    return ScoreSpan(input_ids=ids, first=max(first, 1), truncated=truncated)


def chunked_token_logprobs(hidden: Any, lm_head: Any, targets: Any, *, softcap: float | None,
                           chunk_rows: int) -> Any:
    """log p(targets[i] | hidden[i]) for N gathered positions, as a float32 tensor of N values.

    `hidden` is (N, hidden_size) final hidden states, `lm_head` the model's output projection. Final logit
    softcapping, when the model has it (Gemma 2/3 configs' `final_logit_softcapping`), is applied the way the model
    applies it: `tanh(logits / cap) * cap`.
    """
    import torch

    out = torch.empty(hidden.shape[0], dtype=torch.float32, device=hidden.device)
    for start in range(0, hidden.shape[0], chunk_rows):
        stop = start + chunk_rows
        logits = lm_head(hidden[start:stop]).float()
        if softcap:
            logits = torch.tanh(logits / softcap) * softcap
        chosen = logits.gather(1, targets[start:stop, None]).squeeze(1)
        out[start:stop] = chosen - torch.logsumexp(logits, dim=1)
    return out
