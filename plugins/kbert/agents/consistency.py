"""A consistency judge for AutoIF's back-translation step (`4_…backtranslator.py`, `5_…_filter.py`).

AutoIF asks an NLI model whether an instruction contradicts the instructions its verification functions translate
back to, and drops it on any contradiction. This agent asks the pair model instead whether they mean the same, and
drops the instruction when any back-translation scores below the threshold. Wire it after autoif.back_translator
(with `judge: none` there to use it alone, or keep both judges) and give the next stage `inputs:` this agent.
"""

from __future__ import annotations

import json

from pydantic import Field

from synthloom import Agent, AgentConfig, Context, Dropped, Message
from synthloom.plugins.autoif.kinds import CheckedInstruction
from synthloom.plugins.kbert.kinds import Consistency
from synthloom.plugins.kbert.parsing import consistent


class ConsistencyConfig(AgentConfig):
    model: str = Field(description="a pair model folder (kbert.train's `out`)")
    threshold: float = Field(default=0.5, ge=0, le=1)


class ConsistencyJudge(Agent):
    """Passes an AutoIF instruction on when the pair model reads every back-translation as the same instruction;
    records the scores either way (`kbert.consistency`)."""

    name = "kbert.consistency_judge"
    consumes = (CheckedInstruction,)
    produces = (CheckedInstruction, Consistency)
    Config = ConsistencyConfig
    batch_size = 16
    threaded = True

    def handle(self, batch: list[CheckedInstruction], ctx: Context) -> list[Message]:
        from synthloom.plugins.kbert.pair_model import load_shared

        cfg = self.config
        model = load_shared(ctx.resolve_path(cfg.model))
        judged = iter(model.judge([(item.instruction, back) for item in batch for back in item.back_instructions]))
        out: list[Message] = []
        for item in batch:
            found = [next(judged) for _ in item.back_instructions]
            scores = [round(score, 4) for score, _ in found]
            verdict = consistent(scores, cfg.threshold)
            out.append(Consistency(parents=[item], instruction=item.instruction,
                                   back_instructions=item.back_instructions, scores=scores, threshold=cfg.threshold,
                                   consistent=verdict, flags=[list(flags) for _, flags in found]))
            if verdict:
                out.append(item.model_copy(update={"parents": [item.id], "id": ""}))
            else:
                out.append(Dropped(parents=[item], stage="back_translation", reason="inconsistent_back_translation",
                                   detail=json.dumps(dict(zip(item.back_instructions, scores))),
                                   subject=item.instruction[:200]))
        return out
