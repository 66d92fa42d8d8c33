"""MCTune's agents: measure each response, turn the measured set into tagged training and test examples, and answer
test examples with a model to see which tags it meets."""

from __future__ import annotations

import asyncio

from pydantic import Field

from synthloom import Agent, AgentConfig, Context, Dropped, Message, SamplingConfig
from synthloom.plugins.mctune import metrics
from synthloom.plugins.mctune.augment import AugmentSettings, Measured as Row, augment
from synthloom.plugins.mctune.features import FKRE_MAX
from synthloom.plugins.mctune.kinds import Measured, Response, TestExample, TrainExample
from synthloom.plugins.mctune.nlp import measure
from synthloom.plugins.mctune.parsing import usable
from synthloom.plugins.mctune.targets import MAX_TRIALS
from synthloom.plugins.selection.kinds import Sample


class MeasureConfig(AgentConfig):
    spacy_model: str | None = Field(default=None, description="a spaCy pipeline name; default: the small English one")


class Measure(Agent):
    """Measures the 14 features of each sample's response; drops empty responses and those whose reading ease no
    text can have (above 121.22), as the reference does before tagging."""

    name = "mctune.measure"
    consumes = (Sample,)
    produces = (Measured,)
    Config = MeasureConfig
    batch_size = 64
    threaded = True

    def handle(self, batch: list[Sample], ctx: Context) -> list[Message]:
        kept = [s for s in batch if s.output.strip()]
        out: list[Message] = [Dropped(parents=[s], stage=ctx.agent, reason="empty_response",
                                      detail="the response is empty; there is nothing to measure", subject=s.id)
                              for s in batch if not s.output.strip()]
        for sample, values in zip(kept, measure([s.output for s in kept], self.config.spacy_model)):
            if usable(values):
                out.append(Measured(parents=[sample], sample_id=sample.id, instruction=sample.instruction,
                                    input=sample.input, output=sample.output, features=values))
            else:
                out.append(Dropped(parents=[sample], stage=ctx.agent, reason="fkre_above_max",
                                   detail=f"reading ease {values['fkre']} above {FKRE_MAX} ({values['t_word']} "
                                          "tokens): not a measurable text", subject=sample.output[:200]))
        return out


class AugmentConfig(AgentConfig):
    test_size: int = Field(default=2000, ge=0, description="responses held out as test examples")
    max_tags: int = Field(default=5, ge=1, le=14)
    train_augmentations: int = Field(default=1, ge=1)
    test_augmentations: int = Field(default=5, ge=1)
    scale: float = Field(default=0.1, ge=0, description="test noise, in standard deviations of each feature")
    max_trials: int = Field(default=MAX_TRIALS, ge=1)


class Augment(Agent):
    """Tags every measured response: training examples with its own values, test examples with noisy targets.

    It sees all responses at once, since the noise is scaled by each feature's spread over the whole set and the
    test responses are drawn from all of them.
    """

    name = "mctune.augment"
    consumes = (Measured,)
    produces = (TrainExample, TestExample)
    Config = AugmentConfig
    barrier = True
    threaded = True

    def handle(self, batch: list[Measured], ctx: Context) -> list[Message]:
        cfg = self.config
        ordered = sorted(batch, key=lambda m: m.id)  # the delivery order is not reproducible
        rows = [Row(m.instruction, m.input, m.output, m.features) for m in ordered]
        settings = AugmentSettings(cfg.test_size, cfg.max_tags, cfg.train_augmentations, cfg.test_augmentations,
                                   cfg.scale, cfg.max_trials)
        examples = augment(rows, [ctx.rng(m.id) for m in ordered], ctx.rng("split"), settings)
        out: list[Message] = []
        for example in examples:
            fields = dict(instruction=example.instruction, original_input=example.original_input,
                          input=example.input, selected_tags=example.selected_tags, tag_values=example.tag_values,
                          groundtruth=example.groundtruth, augmentation=example.augmentation)
            parent = ordered[example.source]
            if example.split == "train":
                out.append(TrainExample(parents=[parent], output=example.output, **fields))
            else:
                out.append(TestExample(parents=[parent], trials=example.trials, fallback=example.fallback, **fields))
        return out


class RespondConfig(SamplingConfig.with_defaults(temperature=0.0, max_tokens=1024)):
    spacy_model: str | None = None


class Respond(Agent):
    """Answers each test example with the agent's model (the reference's prompt, greedy, up to 1,024 tokens) and
    measures the answer against the example's tags."""

    name = "mctune.respond"
    consumes = (TestExample,)
    produces = (Response,)
    Config = RespondConfig
    batch_size = 16

    async def handle(self, batch: list[TestExample], ctx: Context) -> list[Response]:
        cfg = self.config
        replies = await ctx.model().generate([cfg.request(e.prompt(), seed=ctx.seed_for(e.id), style="completion")
                                              for e in batch])
        texts = [reply.texts()[0] for reply in replies]
        measured = await asyncio.to_thread(measure, texts, cfg.spacy_model)
        out = []
        for example, text, values in zip(batch, texts, measured):
            scored = metrics.score(example.selected_tags, example.tag_values, values)
            out.append(Response(parents=[example], instruction=example.instruction, input=example.input,
                                selected_tags=example.selected_tags, tag_values=example.tag_values, response=text,
                                measured=values, matches=scored.matches))
        return out
