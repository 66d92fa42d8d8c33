"""Semantic dedup after an instruction writer: MiniLM finds candidate pairs, the pair model decides.

Exact dedup (AutoIF's `autoif.dedup_instructions`) keeps "Translate your answer into emojis" and "Answer with emoji
only". These agents read every item once all upstream agents are done (a barrier: a duplicate can only be judged
against everything before it), keep the first of each group of same-meaning items and record the others as dropped
with the item they matched. `SemanticDedup` serves any kind with a text field: subclass it with `name`, `consumes`,
`produces` and `field`.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field, model_validator

from synthloom import Agent, AgentConfig, Context, Dropped, Message, Prompt
from synthloom.plugins.autoif.kinds import Instruction


class DedupConfig(AgentConfig):
    model: str | None = Field(default=None, description="a pair model folder (kbert.train's `out`)")
    decide: Literal["pair_model", "cosine"] = "pair_model"
    threshold: float = Field(default=0.5, ge=0, le=1, description="pair model: drop at or above this probability")
    min_cosine: float = Field(default=0.5, ge=-1, le=1, description="candidates: MiniLM cosine at least this")
    neighbours: int = Field(default=5, ge=1, description="candidates: the nearest earlier items per item")
    cosine_threshold: float = Field(default=0.9, ge=-1, le=1, description="decide: cosine drops at or above this")

    @model_validator(mode="after")
    def _model_when_needed(self) -> "DedupConfig":
        if self.decide == "pair_model" and not self.model:
            raise ValueError("decide 'pair_model' needs `model`, a folder written by kbert.train or "
                             "`synthloom kbert train` (or use decide: cosine)")
        return self


class SemanticDedup(Agent):
    """Keeps the first of each group of items that mean the same; drops the rest with the item they matched."""

    Config = DedupConfig
    barrier = True
    threaded = True
    field: ClassVar[str]

    def priority(self, item: Any) -> Any:
        """Items that sort first win a match; by default, the order they arrived in."""
        return 0

    def handle(self, batch: list[Message], ctx: Context) -> list[Message]:
        from synthloom.plugins.kbert.candidates import semantic_duplicates

        cfg = self.config
        ordered = [item for _, item in sorted(enumerate(batch), key=lambda p: (self.priority(p[1]), p[0]))]
        texts = [getattr(item, self.field) for item in ordered]
        if cfg.decide == "cosine":
            judge, threshold, name = None, cfg.cosine_threshold, "cosine"
        else:
            from synthloom.plugins.kbert.pair_model import load_shared

            judge, threshold, name = load_shared(ctx.resolve_path(cfg.model)).judge, cfg.threshold, "pair model"
        found = semantic_duplicates(texts, judge, threshold, cfg.min_cosine, cfg.neighbours)
        out: list[Message] = []
        for index, (item, text) in enumerate(zip(ordered, texts)):
            match = found.duplicates.get(index)
            if index in found.empty:
                out.append(Dropped(parents=[item], stage=ctx.agent, reason="empty_text", subject=text[:200],
                                   detail="no words once lower-cased and stripped of punctuation"))
            elif match is None:
                out.append(item.model_copy(update={"parents": [item.id], "id": ""}))
            else:
                pair = (match.match, index)
                flags = found.flags.get(pair, ())
                out.append(Dropped(parents=[item], stage=ctx.agent, reason="semantic_duplicate", subject=text[:200],
                                   detail=f"means the same as {texts[match.match]!r} ({name} {match.score:.3f} >= "
                                          f"{threshold:g}; cosine {found.cosine[pair]:.3f}"
                                          + (f"; prior flags: {', '.join(flags)})" if flags else ")")))
        return out


class DedupInstructions(SemanticDedup):
    """Semantic dedup of AutoIF instructions (after autoif.dedup_instructions); seeds win over generated ones."""

    name = "kbert.dedup_instructions"
    consumes = (Instruction,)
    produces = (Instruction,)
    field = "text"

    def priority(self, item: Any) -> Any:
        return item.origin != "seed"


class DedupPrompts(SemanticDedup):
    """Semantic dedup of prompts (basic.prompt, e.g. after basic.load_jsonl)."""

    name = "kbert.dedup_prompts"
    consumes = (Prompt,)
    produces = (Prompt,)
    field = "instruction"
