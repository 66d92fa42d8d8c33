"""The Alpaca export: DEBATunE's SFT file is a list of `{"instruction", "output"}` rows (Alpaca without an input),
which trainers in the Alpaca tradition read; `input` is written empty so that they all do."""

from __future__ import annotations

from typing import Any

from synthloom import ConfigError, Message


def alpaca(messages: list[Message]) -> list[dict[str, Any]]:
    """One Alpaca row per message of a kind that defines `to_alpaca()` (`debate.conclusion`)."""
    rows = []
    for message in messages:
        to_alpaca = getattr(message, "to_alpaca", None)
        if to_alpaca is None:
            raise ConfigError(f"message kind {message.kind!r} cannot be exported as Alpaca rows",
                              hint="export debate.conclusion, or use the trl-sft or rows format")
        rows.append(to_alpaca())
    return rows
