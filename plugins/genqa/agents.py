"""The GenQA source: generator prompts until the campaign has `target` distinct question/answer pairs."""

from __future__ import annotations

from pathlib import Path
from typing import AsyncIterator

from pydantic import Field, model_validator

from synthloom import Agent, Context, DataFile, Dropped, Message, SamplingConfig, read_rows
from synthloom.data import read_lines
from synthloom.plugins.genqa import generation, prompts
from synthloom.plugins.genqa.kinds import Pair


class GenerateConfig(SamplingConfig.with_defaults(temperature=1.0, max_tokens=2048)):
    """Not a `SourceConfig`: the core's `target` would count dropped replies too, and GenQA's target is distinct
    pairs; this source counts them itself and stops there (or at `max_calls`)."""

    variant: prompts.Variant = "generator_nested"
    target: int = Field(ge=1, description="distinct pairs to produce")
    max_calls: int | None = Field(default=None, ge=1, description="give up after this many calls (default: 4 x "
                                                                  "target): a model that never complies stops")
    topics: DataFile | None = Field(default=None, description="topic list for the conditional variants: a text "
                                                              "file (one per line) or rows with a `topic` field")
    booster: str | None = prompts.DEFAULT_BOOSTER
    random_booster: bool = Field(default=False, description="draw the booster per call from the paper's list")
    sizes: tuple[int, int] | None = Field(default=None, description="list sizes (paper: 40 subtopics; 60 topics "
                                                                    "and 60 subtopics)")
    typos: bool = Field(default=False, description="the prompts with the transcription's typos")
    calls_per_batch: int = Field(default=16, ge=1)

    @model_validator(mode="after")
    def _consistent(self) -> "GenerateConfig":
        if self.samples != 1:
            raise ValueError("each GenQA call gives one reply (a different N per call): leave `samples` at 1")
        if self.variant in generation.CONDITIONED and self.topics is None:
            raise ValueError(f"the {self.variant} prompt draws a topic per call: give `topics`, a topic list")
        return self


def read_topics(path: Path) -> tuple[str, ...]:
    """A topic list: a text file, one topic per line, or JSONL / JSON / Parquet rows with a `topic` field."""
    if path.suffix in (".jsonl", ".json", ".parquet"):
        return tuple(str(row.value["topic"]) for row in read_rows(path) if row.value.get("topic"))  # type: ignore
    return tuple(text.strip() for _, text in read_lines(path) if text and text.strip())


class Generate(Agent):
    """Asks the agent's model GenQA's generator prompt, a random N per call, and emits each new distinct pair;
    replies without the list, with a short list, without a question, or repeating a question are dropped."""

    name = "genqa.generate"
    produces = (Pair,)
    Config = GenerateConfig

    async def produce(self, ctx: Context) -> AsyncIterator[Message]:
        cfg = self.config
        settings = generation.Settings(
            variant=cfg.variant, topics=read_topics(ctx.resolve_path(cfg.topics)) if cfg.topics else (),
            sampling=SamplingConfig(temperature=cfg.temperature, top_p=cfg.top_p, max_tokens=cfg.max_tokens),
            booster=cfg.booster, random_booster=cfg.random_booster, sizes=cfg.sizes, typos=cfg.typos)
        max_calls = cfg.max_calls or 4 * cfg.target
        made = 0
        async for found in generation.generate(ctx.model(), settings, ctx.seed, target=cfg.target,
                                               max_calls=max_calls, batch=cfg.calls_per_batch):
            call = found.call
            if isinstance(found, generation.Dropped):
                yield Dropped(stage=ctx.agent, reason=found.drop.reason, subject=found.subject,
                              detail=f"call {call.number}: {found.drop.detail}")
            else:
                made += 1
                yield Pair(question=found.qa.question, answer=found.qa.answer, variant=cfg.variant,
                           call=call.number, topic=call.topic, n1=call.n1, n2=call.n2, booster=call.booster,
                           dedup_key=found.key)
        if made < cfg.target:
            ctx.log.warning("%s: %d of %d distinct pairs after max_calls %d calls; raise max_calls to go on",
                            ctx.agent, made, cfg.target, max_calls)
