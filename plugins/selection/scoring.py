"""Scoring Alpaca-format samples for IFD and reversed IFD: shared by the scorer agent and `synthloom selection score`.

It turns samples into plans (our offset-mapped default, or a reference's exact rule), runs all plans of a batch
through one batched `score()` call, and reduces the losses to the ratios every selector reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from pydantic import BaseModel, ConfigDict, Field, model_validator

from synthloom import ConfigError
from synthloom.plugins.selection import compat
from synthloom.plugins.selection.compat import CompatMode
from synthloom.plugins.selection.ifd import loss_ratio, ppl_ratio
from synthloom.plugins.selection.parsing import AlpacaItem
from synthloom.plugins.selection.plans import PairLoss, Plan, ScoreFn, execute, text_plan
from synthloom.plugins.selection.prompts import TEMPLATES, Template, TemplateName, reverse_prompt

DEFAULT_TEMPLATE = "alpaca"
DEFAULT_MAX_LENGTH = 2048


class ScoringOptions(BaseModel):
    """How to score. `compat` reproduces a reference's rules (and defaults its template and max_length)."""

    model_config = ConfigDict(extra="forbid")

    compat: CompatMode | None = None
    template: TemplateName | None = None
    max_length: int | None = Field(default=None, ge=8)
    reverse: bool = False

    def resolved(self) -> tuple[Template, int]:
        template, max_length = compat.DEFAULTS.get(self.compat or "", (DEFAULT_TEMPLATE, DEFAULT_MAX_LENGTH))
        return TEMPLATES[self.template or template], self.max_length or max_length

    @model_validator(mode="after")
    def _reverse_has_a_rule(self) -> "ScoringOptions":
        if self.reverse and self.compat in ("cherry", "superfiltering"):
            raise ValueError(f"reversed IFD has no {self.compat} reference rule; it comes from Selective "
                             "Reflection-Tuning: use compat: reflection, or no compat")
        return self


@dataclass(frozen=True)
class SampleScores:
    ifd: PairLoss
    rifd: PairLoss | None

    def fields(self) -> dict[str, Any]:
        """The score fields of `selection.ifd_score` (and of a `synthloom selection score` record)."""
        out: dict[str, Any] = {
            "loss_conditioned": self.ifd.conditioned,
            "loss_direct": self.ifd.direct,
            "ifd": loss_ratio(self.ifd.conditioned, self.ifd.direct),
            "ifd_ppl": ppl_ratio(self.ifd.conditioned, self.ifd.direct),
            "answer_tokens": self.ifd.tokens,
            "truncated": self.ifd.truncated,
            "reason": self.ifd.reason,
        }
        if self.rifd is not None:
            out.update({
                "rifd_loss_conditioned": self.rifd.conditioned,
                "rifd_loss_direct": self.rifd.direct,
                "rifd": ppl_ratio(self.rifd.conditioned, self.rifd.direct),
                "rifd_loss": loss_ratio(self.rifd.conditioned, self.rifd.direct),
                "truncated": self.ifd.truncated or self.rifd.truncated,
                "reason": self.ifd.reason or self.rifd.reason,
            })
        return out


def _reverse_target(item: AlpacaItem) -> str:
    return f"{item.instruction}\n{item.input}" if item.input else item.instruction


def ifd_plan(item: AlpacaItem, options: ScoringOptions, tokenizer: Any) -> Plan:
    template, max_length = options.resolved()
    if options.compat is None:
        return text_plan(template.render(item.instruction, item.input), item.output, max_length)
    return compat.IFD_PLANS[options.compat](tokenizer, template, item.instruction, item.input, item.output,
                                            max_length)


def rifd_plan(item: AlpacaItem, options: ScoringOptions, tokenizer: Any) -> Plan:
    template, max_length = options.resolved()
    if options.compat is None:
        if item.output == "":
            return Plan.skip(compat.EMPTY_ANSWER)
        return text_plan(reverse_prompt(template, item.output), _reverse_target(item), max_length)
    return compat.reflection_rifd_plan(tokenizer, template, item.instruction, item.input, item.output, max_length)


async def score_items(items: Sequence[AlpacaItem], options: ScoringOptions, score: ScoreFn,
                      tokenizer: Any = None) -> list[SampleScores]:
    """IFD (and reversed IFD when `options.reverse`) of every item, in order, with one batched backend call."""
    if options.compat is not None and tokenizer is None:
        raise ConfigError(f"compat mode {options.compat!r} needs the scoring model's tokenizer",
                          hint="use a transformers model (the embedded one, or a local path)")
    plans = [ifd_plan(item, options, tokenizer) for item in items]
    if options.reverse:
        plans += [rifd_plan(item, options, tokenizer) for item in items]
    losses = await execute(plans, score)
    n = len(items)
    return [SampleScores(ifd=losses[i], rifd=losses[n + i] if options.reverse else None) for i in range(n)]


def backend_tokenizer(backend: Any) -> Any:
    """The tokenizer of a backend (the runtime's lazy wrapper passes attributes through); None when it has none."""
    return getattr(backend, "tokenizer", None)


def token_lengths(texts: Sequence[str], tokenizer: Any) -> list[int]:
    """Tokens per text, without the special tokens a tokenizer adds: a length baseline measures the answer only."""
    if not texts:
        return []
    return [len(ids) for ids in tokenizer(list(texts), add_special_tokens=False)["input_ids"]]
