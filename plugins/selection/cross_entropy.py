"""Mean response cross-entropy under the base model, the self-scoring baseline of "Rethinking Data Selection at
Scale" (`cross_entropy/entropy_response.py`).

As the reference does, the query and the response are tokenized separately (each with the tokenizer's special
tokens, so Llama-3 gets a BOS in the middle) and concatenated, cut at `max_length` (4096), and the loss is taken over
the response tokens. Two deviations, both deliberate: the reference compares the logits at position t with token t
(it forgets the shift; the number it stores is not the response's likelihood), where we score each token from the
tokens before it; and where the query alone fills the context the reference stores 0, where we store no score and
say why. A model without a tokenizer (an API) is scored in text form, the response after the query and a space.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from synthloom import ScoreRequest
from synthloom.plugins.selection.ifd import mean_nll
from synthloom.plugins.selection.plans import ScoreFn
from synthloom.plugins.selection.pool import PoolItem

MAX_LENGTH = 4096


@dataclass(frozen=True)
class CrossEntropy:
    ce: float | None
    tokens: int = 0
    truncated: bool = False
    reason: str | None = None


def ce_request(item: PoolItem, tokenizer: Any, max_length: int = MAX_LENGTH) -> ScoreRequest | str:
    """The request that scores the response after the query, or why there is none."""
    if not item.response:
        return "empty response: nothing to score"
    if tokenizer is None:
        return ScoreRequest(prefix=item.query + " ", continuation=item.response, max_length=max_length)
    query = tokenizer(item.query, add_special_tokens=True)["input_ids"]
    if len(query) >= max_length:
        return f"the query alone fills max_length {max_length} (the reference stores 0)"
    response = tokenizer(item.response, add_special_tokens=True)["input_ids"]
    return ScoreRequest(input_ids=query + response[: max_length - len(query)], target_start=len(query))


async def cross_entropies(items: Sequence[PoolItem], score: ScoreFn, tokenizer: Any,
                          max_length: int = MAX_LENGTH) -> list[CrossEntropy]:
    """One result per item, in order, from one batched `score()` call."""
    planned = [ce_request(item, tokenizer, max_length) for item in items]
    requests = [p for p in planned if isinstance(p, ScoreRequest)]
    responses = iter(await score(requests) if requests else [])
    out: list[CrossEntropy] = []
    for plan in planned:
        if isinstance(plan, str):
            out.append(CrossEntropy(None, reason=plan))
            continue
        response = next(responses)
        loss = None if response.error else mean_nll(response.logprobs)
        reason = (f"scoring failed: {response.error}" if response.error else
                  None if loss is not None else "no response token left after truncation")
        out.append(CrossEntropy(loss, len(response.logprobs), response.truncated, reason))
    return out
