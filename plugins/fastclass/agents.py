"""FastClass's agents: read an unlabelled corpus, and label it from class descriptions alone."""

from __future__ import annotations

from itertools import islice
from typing import Iterator

from pydantic import Field, model_validator

from synthloom import Agent, AgentConfig, ConfigError, Context, DataFile, Dropped, Message, OutputPath, SourceConfig
from synthloom.plugins.fastclass.kinds import Classifier, Document, Labelled
from synthloom.plugins.fastclass.parsing import (CLASSES_HINT, ClassifierKind, class_from_value, corpus_rows, has_text,
                                                 read_classes)


class LoadCorpusConfig(SourceConfig):
    path: DataFile
    field: str = Field(default="text", description="the text field of JSON/JSONL/Parquet rows; .txt: one per line")
    limit: int | None = Field(default=None, ge=0)


class LoadCorpus(Agent):
    """Reads the unlabelled corpus: rows with a text field (other fields ride along in `extra`), or a text file
    with one document per line; empty documents are recorded as dropped."""

    name = "fastclass.load_corpus"
    produces = (Document,)
    Config = LoadCorpusConfig

    def produce(self, ctx: Context) -> Iterator[Message]:
        cfg = self.config
        for where, value in islice(corpus_rows(ctx.resolve_path(cfg.path), cfg.field), cfg.limit):
            if not has_text(value, cfg.field):
                yield Dropped(stage=ctx.agent, reason="no_text", detail=f"no text in field {cfg.field!r}",
                              subject=where)
                continue
            yield Document(text=value[cfg.field], extra={k: v for k, v in value.items() if k != cfg.field})


class LabelConfig(AgentConfig):
    classes: list[str | dict[str, str]] | None = Field(default=None, description="names, or {name, description}")
    classes_path: DataFile | None = None
    pool: float = Field(default=0.1, gt=0, le=1, description="share of the average class size each class retrieves")
    keep: list[float] = Field(default=[0.3, 0.5, 0.8], min_length=1, description="candidate subset sizes, as shares "
                                                                                 "of each pool")
    use_cost: bool = True
    classifier: ClassifierKind = "logistic"
    out: OutputPath | None = Field(default=None, description="where to save the classifier")
    base: str | None = Field(default=None, description="transformers classifier's base model folder (MiniLM)")

    @model_validator(mode="after")
    def _consistent(self) -> "LabelConfig":
        if (self.classes is None) == (self.classes_path is None):
            raise ValueError("give exactly one of `classes` (a list) and `classes_path` (a file)")
        if any(not 0 < k <= 1 for k in self.keep):
            raise ValueError("every `keep` share must be in (0, 1]")
        if self.classifier == "transformers" and self.out is None:
            raise ValueError("a transformers classifier needs `out`, the folder to save it to")
        return self


class Label(Agent):
    """Labels the corpus from class descriptions (FastClass): MiniLM retrieval of each class's pool, facility-location
    ranking, and the subset size whose classifier's corpus predictions have the highest entropy. Documents left out
    are recorded as dropped (`not_retrieved`, `not_selected`)."""

    name = "fastclass.label"
    consumes = (Document,)
    produces = (Labelled, Classifier)
    Config = LabelConfig
    barrier = True
    threaded = True

    def handle(self, batch: list[Document], ctx: Context) -> list[Message]:
        from synthloom.plugins.fastclass.method import LabelSettings
        from synthloom.plugins.fastclass.pipeline import run, save

        cfg = self.config
        where = f"agent {ctx.agent!r}"
        classes = (read_classes(ctx.resolve_path(cfg.classes_path)) if cfg.classes_path is not None
                   else [class_from_value(value, where) for value in cfg.classes or []])
        documents = sorted(batch, key=lambda m: m.id)  # the delivery order is not reproducible
        texts = [d.text for d in documents]
        settings = LabelSettings(cfg.pool, tuple(cfg.keep), cfg.use_cost, ctx.seed)
        outcome, _ = run(texts, classes, settings, where)
        names = [c.name for c in classes]
        out: list[Message] = []
        chosen = {c.document: c for c in outcome.labelled}
        pooled = {i for pool in outcome.pools for i in pool.documents}
        for index, document in enumerate(documents):
            if index in chosen:
                c = chosen[index]
                out.append(Labelled(parents=[document], text=document.text, label=names[c.label], label_id=c.label,
                                    score=c.score, rank=c.rank, classes=names, extra=document.extra))
            elif index in pooled:
                out.append(Dropped(parents=[document], stage=ctx.agent, reason="not_selected",
                                   detail=f"retrieved, but beyond the kept {outcome.keep:g} of its class's ranking",
                                   subject=document.text[:200]))
            else:
                out.append(Dropped(parents=[document], stage=ctx.agent, reason="not_retrieved",
                                   detail=f"not among its class's {cfg.pool:g} most similar documents",
                                   subject=document.text[:200]))
        if cfg.classifier != "none":
            if outcome.classifier is None:
                raise ConfigError(f"{where}: the labelled subset has a single class; no classifier can be trained",
                                  hint=CLASSES_HINT)
            path = (save(outcome, texts, classes, cfg.classifier, ctx.resolve_path(cfg.out), cfg.base)
                    if cfg.out is not None else None)
            out.append(Classifier(parents=[documents[i] for i in sorted(chosen)],
                                  path=str(path) if path else None, classifier=cfg.classifier, classes=names,
                                  documents=len(outcome.labelled), keep=outcome.keep,
                                  entropies={f"{k:g}": v for k, v in outcome.entropies.items()}))
        return out
