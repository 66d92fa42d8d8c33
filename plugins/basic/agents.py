"""Agents of the basic plugin: the reference example of the plugin shape for authors."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator, Literal

from pydantic import Field

from synthloom import (
    Agent,
    AgentConfig,
    ConfigError,
    Context,
    Dropped,
    FileSourceConfig,
    Message,
    Row,
    RowError,
    SamplingConfig,
    SourceConfig,
    messages_from_file,
)
from synthloom.plugins.basic import prompts
from synthloom.plugins.basic.kinds import Generated, Judged, Prompt, VisualPrompt
from synthloom.plugins.basic.parsing import filter_verdict, parse_score, visual_row


class LoadJSONLConfig(FileSourceConfig):
    field: str = "instruction"


class LoadJSONL(Agent):
    """Reads prompts from a JSONL, JSON-list or Parquet file, one message per row."""

    name = "basic.load_jsonl"
    produces = (Prompt,)
    Config = LoadJSONLConfig

    def produce(self, ctx: Context) -> Iterator[Message]:
        return messages_from_file(ctx, self.config, self.convert)

    def convert(self, row: Row) -> Prompt:
        field = self.config.field
        if not isinstance(row.value.get(field), str):
            raise RowError("missing_field", f"row has no string field {field!r}", where=row.where,
                           hint="set `field:` to the name of the instruction field")
        return Prompt(instruction=row.value[field], extra={k: v for k, v in row.value.items() if k != field})


class GenerateConfig(SamplingConfig.with_defaults(temperature=0.0, max_tokens=256)):
    template: str = prompts.GENERATE
    system: str | None = None


class Generate(Agent):
    """Answers each prompt with the agent's model; `samples: N` gives N replies per prompt."""

    name = "basic.generate"
    consumes = (Prompt,)
    produces = (Generated,)
    Config = GenerateConfig
    batch_size = 64
    concurrency = 4

    async def handle(self, batch: list[Prompt], ctx: Context) -> list[Generated]:
        cfg = self.config
        requests = [cfg.request(cfg.template.format(instruction=p.instruction, **p.extra), system=cfg.system,
                                seed=ctx.seed_for(p.id)) for p in batch]
        responses = await ctx.model().generate(requests)
        return [Generated(parents=[prompt], instruction=prompt.instruction, response=text)
                for prompt, response in zip(batch, responses) for text in response.texts()]


class JudgeConfig(SamplingConfig.with_defaults(temperature=0.0, max_tokens=128)):
    template: str = prompts.JUDGE
    pattern: str = prompts.SCORE_PATTERN


class Judge(Agent):
    """Asks the agent's model for a score and parses it from the reply (the last match of `pattern`)."""

    name = "basic.judge"
    consumes = (Generated,)
    produces = (Judged,)
    Config = JudgeConfig
    batch_size = 64
    concurrency = 4

    async def handle(self, batch: list[Generated], ctx: Context) -> list[Judged]:
        cfg = self.config
        responses = await ctx.model().generate([
            cfg.request(cfg.template.format(instruction=g.instruction, response=g.response), seed=ctx.seed_for(g.id),
                        n=1) for g in batch])
        out = []
        for item, response in zip(batch, responses):
            text = response.texts()[0]
            out.append(Judged(parents=[item], instruction=item.instruction, response=item.response,
                              score=parse_score(text, cfg.pattern), judgement=text))
        return out


class FilterConfig(AgentConfig):
    min_score: float | None = None
    max_response_chars: int | None = Field(default=None, ge=0)


class Filter(Agent):
    """Passes judged items on, or records them as dropped with the reason (score too low, no score, too long)."""

    name = "basic.filter"
    consumes = (Judged,)
    produces = (Judged,)
    Config = FilterConfig
    batch_size = 256

    def handle(self, batch: list[Judged], ctx: Context) -> list[Message]:
        cfg = self.config
        out: list[Message] = []
        for item in batch:
            verdict = filter_verdict(item.score, item.response, min_score=cfg.min_score,
                                     max_response_chars=cfg.max_response_chars)
            if verdict is None:
                out.append(item.model_copy(update={"parents": [item.id], "id": ""}))
            else:
                out.append(Dropped(parents=[item], stage=ctx.agent, reason=verdict[0], detail=verdict[1],
                                   subject=item.instruction[:200]))
        return out


class ImageSourceConfig(AgentConfig):
    images: str = Field(description="the image folder; row image names are relative to it and must stay inside it")
    max_side: int = Field(default=2048, ge=16, description="longer sides above this are downscaled to it "
                                                           "(synthloom.images)")


class LoadVisionConfig(FileSourceConfig, ImageSourceConfig):
    pass


class LoadVision(Agent):
    """Reads (image, question, reference) rows: LLaVA conversations or SIMA prompt rows, with their images, one
    row and one image at a time, so that a set of a million images is never held in memory at once."""

    name = "basic.load_vision"
    produces = (VisualPrompt,)
    Config = LoadVisionConfig

    def produce(self, ctx: Context) -> Iterator[Message]:
        root = ctx.resolve_path(self.config.images)
        return messages_from_file(ctx, self.config, lambda row: self.convert(row, root))

    def convert(self, row: Row, root: Path) -> VisualPrompt:
        from synthloom.images import image_path, load_image

        name, question, reference = visual_row(row.value, row.where)
        image = load_image(image_path(root, name, row.where), max_side=self.config.max_side, where=row.where)
        extra = {k: v for k, v in row.value.items() if k not in ("image", "conversations", "text", "ground_truth")}
        return VisualPrompt(image=image, image_name=name, instruction=question, reference=reference, extra=extra)


class LoadImageFolderConfig(SourceConfig, ImageSourceConfig):
    instruction: str = Field(default="Describe this image in detail.", description="the question every image gets")
    extensions: list[str] = Field(default=[".png", ".jpg", ".jpeg", ".webp", ".gif", ".bmp", ".tif", ".tiff"])
    limit: int | None = Field(default=None, ge=0)
    on_bad_row: Literal["error", "drop"] = "error"


class LoadImageFolder(Agent):
    """Every image file of a folder (sorted by name, sub-folders included) with one question and no reference."""

    name = "basic.load_image_folder"
    produces = (VisualPrompt,)
    Config = LoadImageFolderConfig

    def produce(self, ctx: Context) -> Iterator[Message]:
        from synthloom.images import load_image

        cfg = self.config
        root = ctx.resolve_path(cfg.images)
        if not root.is_dir():
            raise ConfigError(f"image folder {str(root)!r} does not exist", where=f"agent {ctx.agent!r}")
        files = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in cfg.extensions)
        for path in files[:cfg.limit]:
            try:
                image = load_image(path, max_side=cfg.max_side)
            except RowError as error:
                if cfg.on_bad_row == "error":
                    raise
                yield Dropped(stage=ctx.agent, reason=error.reason, detail=str(error), subject=path.name)
                continue
            yield VisualPrompt(image=image, image_name=str(path.relative_to(root)), instruction=cfg.instruction)
