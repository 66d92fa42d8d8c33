"""Training pairs the framework makes itself: a model's paraphrase (positive) and constraint-changing edit (hard
negative) of every instruction, and every back-translation that survived AutoIF's check (positive)."""

from __future__ import annotations

from synthloom import Agent, Context, Dropped, Message, SamplingConfig
from synthloom.plugins.autoif.kinds import CheckedInstruction, Instruction
from synthloom.plugins.kbert import prompts
from synthloom.plugins.kbert.kinds import Pair
from synthloom.plugins.kbert.parsing import parse_rewrite, same_words


class PairWriterConfig(SamplingConfig.with_defaults(temperature=0.7, max_tokens=64)):
    paraphrases: bool = True
    edits: bool = True


class PairWriter(Agent):
    """Asks the agent's model for a paraphrase and an edit of each instruction; turns back-translations into
    positives without a model call."""

    name = "kbert.pair_writer"
    consumes = (Instruction, CheckedInstruction)
    produces = (Pair,)
    Config = PairWriterConfig
    batch_size = 16

    async def handle(self, batch: list[Message], ctx: Context) -> list[Message]:
        cfg = self.config
        out: list[Message] = []
        jobs: list[tuple[Instruction, str, str]] = []
        for item in batch:
            if isinstance(item, CheckedInstruction):
                out += [Pair(parents=[item], text_a=item.instruction, text_b=back, label=1, source="back_translation")
                        for back in item.back_instructions if not same_words(back, item.instruction)]
                continue
            assert isinstance(item, Instruction)
            if cfg.paraphrases:
                jobs.append((item, "paraphrase", prompts.paraphrase(item.text)))
            if cfg.edits:
                jobs.append((item, "edit", prompts.edit(item.text)))
        if not jobs:
            return out
        replies = await ctx.model().generate([cfg.request(prompt, seed=ctx.seed_for(item.id, source))
                                              for item, source, prompt in jobs])
        for (item, source, _), reply in zip(jobs, replies):
            for text in reply.texts():
                rewritten, reason = parse_rewrite(text, item.text)
                if rewritten is None:
                    out.append(Dropped(parents=[item], stage="pair_writer", reason=reason,
                                       detail=f"the {source} reply gives no usable instruction",
                                       subject=text.strip()[:200]))
                else:
                    out.append(Pair(parents=[item], text_a=item.text, text_b=rewritten,
                                    label=int(source == "paraphrase"), source=source))
        return out
