"""Message kinds of the selection plugin.

`selection.sample` is the Alpaca-format unit (instruction, input, output) that scorers read, and that the reflection
plugin writes back in its reflected variants. Scores and kept samples are separate kinds so that every number stays
queryable in the store; a dropped sample is the core `dropped` kind, with the selector's reason.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from synthloom import Message

Variant = Literal["original", "instruction", "response", "both"]


class Sample(Message):
    """One Alpaca-format training sample.

    `variant` says which Selective Reflection-Tuning version this is: the original, the instruction-reflected pair
    (new instruction and its answer), the response-reflected pair, or both reflections applied. `origin` is the id
    of the original sample every variant descends from ("" on originals, which are their own origin).
    """

    kind: str = "selection.sample"
    instruction: str
    input: str = ""
    output: str
    variant: Variant = "original"
    origin: str = ""
    extra: dict[str, Any] = Field(default_factory=dict)

    def group(self) -> str:
        """The id shared by a sample and all its reflected variants."""
        return self.origin or self.id

    def user_text(self) -> str:
        return f"{self.instruction}\n\n{self.input}" if self.input else self.instruction

    def to_sft(self) -> dict[str, Any]:
        return {"messages": [{"role": "user", "content": self.user_text()},
                             {"role": "assistant", "content": self.output}]}

    def carried(self) -> dict[str, Any]:
        """The fields a score or a decision about this sample repeats (see `_Scored`)."""
        return {"sample_id": self.id, "origin": self.group(), "variant": self.variant,
                "instruction": self.instruction, "input": self.input, "output": self.output}


class _Scored(Message):
    """Fields every score kind carries so that selectors never need a join to see the sample."""

    sample_id: str
    origin: str
    variant: Variant = "original"
    instruction: str
    input: str = ""
    output: str
    reason: str | None = None

    def to_sft(self) -> dict[str, Any]:
        return Sample(instruction=self.instruction, input=self.input, output=self.output).to_sft()

    def carried(self) -> dict[str, Any]:
        """The sample's fields, for a decision made on this score."""
        return {name: getattr(self, name) for name in ("sample_id", "origin", "variant", "instruction", "input",
                                                       "output")}


class IFDScore(_Scored):
    """IFD and, when asked for, reversed IFD of one sample, with the losses they come from.

    `ifd` is the loss ratio s(A|Q)/s(A) of Cherry LLM; `ifd_ppl` the perplexity ratio of Superfiltering and
    Selective Reflection-Tuning. `rifd` is ppl(Q|reverse prompt with A)/ppl(Q). A score is None when the sample
    cannot be scored (`reason` says why: empty output, truncated away); `truncated` flags a sample that was cut to
    the context length by the mode's rule and scored on what remained.
    """

    kind: str = "selection.ifd_score"
    mode: str = "default"
    loss_conditioned: float | None = None
    loss_direct: float | None = None
    ifd: float | None = None
    ifd_ppl: float | None = None
    answer_tokens: int = 0
    rifd_loss_conditioned: float | None = None
    rifd_loss_direct: float | None = None
    rifd: float | None = None
    rifd_loss: float | None = None
    truncated: bool = False


class LengthScore(_Scored):
    """Length: the baseline that "Rethinking Data Selection at Scale" found hard to beat. `span` says what was
    counted: the response alone, or query and response as that study's reference counts them."""

    kind: str = "selection.length_score"
    length: int
    unit: Literal["tokens", "words"] = "tokens"
    span: Literal["response", "total"] = "response"


class CEScore(_Scored):
    """Mean cross-entropy of the response under the base model (nats per token; None with `reason` when it could
    not be scored), the self-scoring baseline of "Rethinking Data Selection at Scale"."""

    kind: str = "selection.ce_score"
    ce: float | None = None
    tokens: int = 0
    truncated: bool = False


class Selected(_Scored):
    """A sample a selector kept, with the score it was kept for and its rank among the kept (0 = best)."""

    kind: str = "selection.selected"
    selector: str
    score: float | None = None
    rank: int = 0


class TrainedModel(Message):
    """A model fine-tuned inside the campaign (Cherry LLM's pre-experienced model), ready to be named under
    `models:` and scored with by agents that run `after:` the training agent."""

    kind: str = "selection.trained_model"
    path: str
    base_model: str
    samples: int
    steps: int
    final_loss: float | None = None
