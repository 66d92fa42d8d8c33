"""The teacher reflector agents: instruction reflection and response reflection (Reflection-Tuning).

Each emits a reflected `selection.sample` for every sample it receives, falling back to the original text where the
teacher's reply cannot be used (as the reference post-processing does, after asking once more), plus a
`reflection.reflection` record of what happened. The teacher is the agent's `model:`; the student, which scores the
results, is another model of the campaign. A chat teacher gets the reference prompts; a base teacher
(`prompt_style: completion`) solved examples in the same tagged form (`fewshot`).
"""

from __future__ import annotations

from typing import Any, Callable

from pydantic import Field

from synthloom import Agent, ChatMessage, Context, SamplingConfig
from synthloom.plugins.reflection import fewshot, prompts
from synthloom.plugins.reflection.kinds import Reflection
from synthloom.plugins.reflection.parsing import (
    INSTRUCTION_REPLY,
    RESPONSE_REPLY,
    Parsed,
    parse_instruction_reflection,
    parse_response_reflection,
)
from synthloom.plugins.selection.kinds import Sample

# Which variant a response reflection of each variant yields (Selective Reflection-Tuning's four versions).
RESPONSE_OF = {"original": "response", "instruction": "both"}


class ReflectConfig(SamplingConfig.with_defaults(temperature=0.0, max_tokens=2048)):
    retries: int = Field(default=1, ge=0, description="asks again when nothing could be extracted (reference: 1)")
    structured: bool = Field(default=True, description="decode the reply under a regex of its tagged blocks where "
                                                       "the backend can; off: the reference's free replies")


Prompt = str | list[ChatMessage]


def _completion_fields(prompt: Prompt) -> dict[str, Any]:
    """A plain-text prompt is a base model's few-shot prompt, whose reply ends at the blank line after it."""
    return {"style": "completion", "stop": fewshot.STOP} if isinstance(prompt, str) else {}


async def _ask(ctx: Context, cfg: ReflectConfig, asked: list[Prompt], samples: list[Sample],
               parse: Callable[[str], Parsed], regex: str) -> list[tuple[Parsed, list[str]]]:
    """Each sample's parsed reply and every raw reply, asking again (another seed) while nothing is usable."""
    results: list[tuple[Parsed, list[str]]] = [(Parsed(None, None, ("not asked",)), []) for _ in samples]
    pending = list(range(len(samples)))
    shape = {"regex": regex} if cfg.structured else {}
    for attempt in range(cfg.retries + 1):
        if not pending:
            break
        requests = [cfg.request(asked[i], seed=ctx.seed_for(samples[i].id, attempt), n=1, **shape,
                                **_completion_fields(asked[i])) for i in pending]
        responses = await ctx.model().generate(requests)
        for i, response in zip(pending, responses):
            text = "" if response.error else response.generations[0].text if response.generations else ""
            parsed = parse(text)
            results[i] = (parsed, results[i][1] + [text if not response.error else f"(error: {response.error})"])
        pending = [i for i in pending if not results[i][0].usable]
    return results


def _status(parsed: Parsed, fields: int) -> str:
    taken = (parsed.instruction is not None) + (parsed.output is not None)
    return "reflected" if taken == fields else "partial" if taken else "fallback"


class ReflectInstruction(Agent):
    """Teacher rewrites each original sample into a new, harder instruction with its answer (variant
    "instruction"). The new pair has no input: the reference asks for a self-contained instruction."""

    name = "reflection.instruction"
    consumes = (Sample,)
    produces = (Sample, Reflection)
    Config = ReflectConfig
    batch_size = 16
    concurrency = 4

    async def handle(self, batch: list[Sample], ctx: Context) -> list[Sample | Reflection]:
        samples = [s for s in batch if s.variant == "original"]
        source = fewshot if ctx.model().prompt_style == "completion" else prompts
        asked = [source.instruction_reflection(s.instruction, s.output) for s in samples]
        out: list[Sample | Reflection] = []
        for sample, (parsed, replies) in zip(samples, await _ask(ctx, self.config, asked, samples,
                                                                  parse_instruction_reflection, INSTRUCTION_REPLY)):
            # A new instruction stands alone (the reference always empties the input; we keep it with the old one).
            new = Sample(parents=[sample], instruction=parsed.instruction or sample.instruction,
                         input="" if parsed.instruction is not None else sample.input,
                         output=parsed.output or sample.output, variant="instruction", origin=sample.group())
            out += [new, Reflection(parents=[sample], direction="instruction", sample_id=sample.id,
                                    origin=sample.group(), replies=replies, status=_status(parsed, 2),
                                    problems=list(parsed.problems), instruction=new.instruction, input=new.input,
                                    output=new.output)]
        return out


class ReflectResponse(Agent):
    """Teacher critiques the answer and writes a better one: originals become variant "response", instruction-
    reflected samples variant "both"."""

    name = "reflection.response"
    consumes = (Sample,)
    produces = (Sample, Reflection)
    Config = ReflectConfig
    batch_size = 16
    concurrency = 4

    async def handle(self, batch: list[Sample], ctx: Context) -> list[Sample | Reflection]:
        samples = [s for s in batch if s.variant in RESPONSE_OF]
        source = fewshot if ctx.model().prompt_style == "completion" else prompts
        asked = [source.response_reflection(s.instruction, s.input, s.output) for s in samples]
        out: list[Sample | Reflection] = []
        for sample, (parsed, replies) in zip(samples, await _ask(ctx, self.config, asked, samples,
                                                                  parse_response_reflection, RESPONSE_REPLY)):
            new = Sample(parents=[sample], instruction=sample.instruction, input=sample.input,
                         output=parsed.output or sample.output, variant=RESPONSE_OF[sample.variant],
                         origin=sample.group())
            out += [new, Reflection(parents=[sample], direction="response", sample_id=sample.id,
                                    origin=sample.group(), replies=replies, status=_status(parsed, 1),
                                    problems=list(parsed.problems), instruction=new.instruction, input=new.input,
                                    output=new.output)]
        return out
