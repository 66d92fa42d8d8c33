"""Step 1 of AutoIF (`code/1_RFT.py`): write format instructions from seeds, then drop repeated ones."""

from __future__ import annotations

from pydantic import Field

from synthloom import Agent, AgentConfig, Context, DataFile, Dropped, Message, SamplingConfig, SourceConfig
from synthloom.plugins.autoif import fewshot, prompts
from synthloom.plugins.autoif.formats import read_instructions
from synthloom.plugins.autoif.kinds import Instruction, InstructionCandidate
from synthloom.plugins.autoif.parsing.decisions import dedup_instructions
from synthloom.plugins.autoif.parsing.replies import continued_instructions, excerpt, parse_instruction_list
from synthloom.plugins.autoif.structured import StructuredConfig, constraint, instruction_lines


class InstructionWriterConfig(StructuredConfig, SourceConfig,
                              SamplingConfig.with_defaults(temperature=1.0, max_tokens=2048)):
    seeds: DataFile
    per_round: int = Field(default=50, ge=1)
    include_seeds: bool = True


class InstructionWriter(Agent):
    """Self-instruct: one prompt holds every seed and asks for `per_round` new format instructions, each round.

    A base model (`prompt_style: completion`) gets the seeds as a `- ` list, shuffled per round, to continue; the
    first `per_round` lines it adds are kept. With `structured` the reply is only `- ` lines, `per_round` at most.
    Seed-file lines that are not UTF-8, and a seed file without instructions, are recorded as dropped in round 0.
    """

    name = "autoif.instruction_writer"
    produces = (InstructionCandidate,)
    Config = InstructionWriterConfig

    async def produce(self, ctx: Context) -> list[Message]:
        cfg = self.config
        seeds, problems = read_instructions(ctx.resolve_path(cfg.seeds))
        out: list[Message] = []
        if ctx.round == 0:
            out += [Dropped(stage="import", reason=p.reason, detail=str(p)) for p in problems]
            if cfg.include_seeds:
                out += [InstructionCandidate(text=s, origin="seed", round=0) for s in seeds]
        if not seeds:
            return out
        completion = ctx.model().prompt_style == "completion"
        seed = ctx.seed_for("round", ctx.round)
        shape = constraint(cfg.structured, regex=instruction_lines(cfg.per_round))
        if completion:
            shown = ctx.rng("round", ctx.round).sample(seeds, len(seeds))
            request = cfg.request(fewshot.instruction_list(shown), seed=seed, style="completion", stop=["\n\n"],
                                  **shape)
        else:
            request = cfg.request(prompts.augment_instructions(seeds, cfg.per_round), seed=seed, **shape)
        reply = (await ctx.model().generate([request]))[0]
        if reply.error is not None:
            return [*out, Dropped(stage="instruction_writer", reason="model_error", detail=reply.error)]
        for generation in reply.generations:
            text = generation.text
            written = (continued_instructions(text, generation.finish_reason == "length")[:cfg.per_round]
                       if completion else parse_instruction_list(text))
            if not written:
                out.append(Dropped(stage="instruction_writer", reason="no_instruction_lines",
                                   detail="the reply has no line starting with '- '", subject=excerpt(text)))
            out += [InstructionCandidate(text=t, origin="generated", round=ctx.round) for t in written]
        return out


class DedupConfig(AgentConfig):
    max_chars: int = Field(default=500, ge=1)


class DedupInstructions(Agent):
    """Drops repeated instructions (same words, ignoring case and punctuation) once every round is written; seeds
    and earlier rounds win."""

    name = "autoif.dedup_instructions"
    consumes = (InstructionCandidate,)
    produces = (Instruction,)
    Config = DedupConfig
    barrier = True

    def handle(self, batch: list[InstructionCandidate], ctx: Context) -> list[Message]:
        ordered = sorted(batch, key=lambda m: (m.origin != "seed", m.round, m.id))
        out: list[Message] = []
        for item, verdict in zip(ordered, dedup_instructions([m.text for m in ordered], self.config.max_chars)):
            if verdict is None:
                out.append(Instruction(parents=[item], text=item.text, origin=item.origin))
            else:
                out.append(Dropped(parents=[item], stage="dedup", reason=verdict.reason, detail=verdict.detail,
                                   subject=excerpt(item.text)))
        return out
