"""Pure rules of the example_plugin plugin: no model, no store, so that they are tested with plain strings."""

from __future__ import annotations

QUOTES = "\"'\u201c\u201d"


def clean_paraphrase(reply: str) -> str | None:
    """The paraphrase in a model's reply: its first non-empty line without surrounding quotes; None if empty."""
    for line in reply.splitlines():
        text = line.strip().strip(QUOTES).strip()
        if text:
            return text
    return None
