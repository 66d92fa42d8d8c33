"""Rules that the local backends (transformers, vLLM) apply alike to each request before running it.

Prompts that do not fit the context: a prompt of more than `max_context - max_tokens` tokens either fails its item
(`error`) or keeps its end (`truncate`): the last tokens up to that budget, behind the prompt's first token when
that is a special token (BOS), because models are trained to see it first and the end of a prompt is what the
answer follows.
"""

from __future__ import annotations

from typing import Collection, Literal

from synthloom.backends.base import GenerateRequest
from synthloom.errors import ConfigError

LongPromptRule = Literal["truncate", "error"]


def fit_prompt(ids: list[int], *, max_context: int, max_tokens: int, rule: LongPromptRule,
               special_ids: Collection[int], where: str) -> tuple[list[int], bool]:
    """The prompt ids to use, and whether they were truncated; ConfigError (for this item) if they cannot fit."""
    budget = max_context - max_tokens
    if len(ids) <= budget:
        return ids, False
    if rule == "error" or budget < 2:
        raise ConfigError(
            f"the prompt has {len(ids)} tokens; with max_tokens={max_tokens} only {budget} fit the context of "
            f"{max_context}", where=where,
            hint="shorten the prompt, lower max_tokens, or raise max_context (on_long_prompt: truncate keeps the "
                 "prompt's end)")
    head = ids[:1] if ids[0] in special_ids else []
    return head + ids[len(ids) - (budget - len(head)):], True


def check_sampling(request: GenerateRequest, where: str) -> None:
    """n > 1 at temperature 0 is refused (the item fails): greedy decoding would return n identical completions,
    which is almost always a campaign mistake (rejection sampling that can never find a second candidate)."""
    if request.n > 1 and request.temperature == 0:
        raise ConfigError(f"n={request.n} with temperature 0 would return {request.n} identical greedy completions",
                          where=where, hint="set temperature > 0 to sample, or n: 1")
