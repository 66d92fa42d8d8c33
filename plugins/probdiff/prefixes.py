"""The text a ProbDiff score is conditioned on: the query as the model saw it when it answered.

The reference hard-codes one prefix per model family (`get_loglikehood.py`, see `prompts.REFERENCE_PREFIXES`) and
generates with the chat template, which for most models are not the same text. By default (`auto`) we score after
exactly the prompt the backend generated from: the model's chat template, or synthloom's plain template for a base
model. An API model has no local tokenizer to render its template with, so it needs a named or written prefix.
"""

from __future__ import annotations

from typing import Any, Callable

from synthloom import ChatMessage, ConfigError
from synthloom.plugins.probdiff.prompts import REFERENCE_PREFIXES

PREFIX_HINT = (f"set `prefix` to one of auto, {', '.join(REFERENCE_PREFIXES)}, or a template containing {{query}} "
               "that reproduces how the server formats a user turn")


def prefix_builder(setting: str, backend: Any) -> Callable[[str], str]:
    """A function from the query to its scoring prefix."""
    template = REFERENCE_PREFIXES.get(setting, setting)
    if "{query}" in template:
        return lambda query: template.replace("{query}", query)
    if setting != "auto":
        raise ConfigError(f"unknown ProbDiff prefix {setting!r}", hint=PREFIX_HINT)
    tokenizer = getattr(backend, "tokenizer", None)
    if tokenizer is None:
        raise ConfigError("ProbDiff's prefix `auto` renders the model's chat template, but this backend has no "
                          "local tokenizer", hint=PREFIX_HINT)
    return lambda query: chat_prefix(tokenizer, query)


def chat_prefix(tokenizer: Any, query: str) -> str:
    """The generation prompt of one user turn, as the backend renders it, without a BOS written as text when the
    tokenizer adds one itself (scoring tokenizes with special tokens; generation from a chat template does not)."""
    from synthloom.backends.chat_template import render_chat

    text, _ = render_chat(tokenizer, [ChatMessage(role="user", content=query)])
    bos = getattr(tokenizer, "bos_token", None)
    if bos and text.startswith(bos) and getattr(tokenizer, "chat_template", None) and _adds_bos(tokenizer):
        return text[len(bos):]
    return text


def _adds_bos(tokenizer: Any) -> bool:
    ids = tokenizer("a", add_special_tokens=True)["input_ids"]
    return bool(ids) and ids[0] == tokenizer.bos_token_id
