"""The message kinds of the example_plugin plugin; each becomes a typed SQL view (`example_plugin_paraphrase`)."""

from __future__ import annotations

from typing import Any

import synthloom


class Paraphrase(synthloom.Message):
    """A prompt said in other words; `parents` links it to the prompt it came from."""

    kind: str = "example_plugin.paraphrase"
    instruction: str
    paraphrase: str

    def to_sft(self) -> dict[str, Any]:
        """As TRL conversational SFT data (`synthloom export --format trl-sft`)."""
        return {"messages": [{"role": "user", "content": self.instruction},
                             {"role": "assistant", "content": self.paraphrase}]}
