"""WordNet 3.0 offline: Debian's dictionary files, read by NLTK's `WordNetCorpusReader`.

NLTK's own downloader cannot reach its host here, so the dictionary comes from Debian's `wordnet-base` and
`wordnet-sense-index`. NLTK reads them once three things are true, which is why they are copied rather than used in
place: the files sit in an NLTK data folder as `corpora/wordnet/` (real copies: NLTK's path handling does not follow
a folder of symlinks reliably), `index.sense` is kept, and a `lexnames` file exists (Debian ships the lexicographer
file list only as a man page). NLTK 3.10 also refuses to read outside the folders in `nltk.data.path`, so the
folder is added there before the reader opens it. The copy lives under the synthloom cache and is published by
renaming a finished folder, so a killed copy never leaves a half-written dictionary behind.
"""

from __future__ import annotations

import os
import shutil
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from synthloom import ConfigError

if TYPE_CHECKING:
    from nltk.corpus.reader.wordnet import WordNetCorpusReader

DEBIAN_DIR = Path("/usr/share/wordnet")
INSTALL_HINT = ("run `bash scripts/setup_wordnet.sh` (as root: apt-get install -y wordnet-base wordnet-sense-index), "
                "then `synthloom kbert prepare`")
# The files NLTK opens, except `lexnames`, which is written here.
DEBIAN_FILES = ("cntlist.rev", "index.sense", "index.adj", "index.adv", "index.noun", "index.verb", "data.adj",
                "data.adv", "data.noun", "data.verb", "adj.exc", "adv.exc", "noun.exc", "verb.exc")
# WordNet 3.0's lexicographer files, in file-number order (lexnames(5WN)); NLTK checks the numbering.
LEXNAMES = (
    "adj.all", "adj.pert", "adv.all", "noun.Tops", "noun.act", "noun.animal", "noun.artifact", "noun.attribute",
    "noun.body", "noun.cognition", "noun.communication", "noun.event", "noun.feeling", "noun.food", "noun.group",
    "noun.location", "noun.motive", "noun.object", "noun.person", "noun.phenomenon", "noun.plant",
    "noun.possession", "noun.process", "noun.quantity", "noun.relation", "noun.shape", "noun.state",
    "noun.substance", "noun.time", "verb.body", "verb.change", "verb.cognition", "verb.communication",
    "verb.competition", "verb.consumption", "verb.contact", "verb.creation", "verb.emotion", "verb.motion",
    "verb.perception", "verb.possession", "verb.social", "verb.stative", "verb.weather", "adj.ppl",
)
SYNTACTIC_CATEGORY = {"noun": 1, "verb": 2, "adj": 3, "adv": 4}
MARKER = ".synthloom-complete"


def default_data_dir() -> Path:
    """The plugin's NLTK data folder: `<synthloom cache>/kbert/nltk_data`."""
    from synthloom.backends.embedded import cache_root

    return cache_root() / "kbert" / "nltk_data"


def lexnames_text() -> str:
    """The `lexnames` file NLTK expects: number, name and syntactic category, one file a line."""
    return "".join(f"{i:02d}\t{name}\t{SYNTACTIC_CATEGORY[name.split('.')[0]]}\n" for i, name in enumerate(LEXNAMES))


def missing_debian_files(source: Path | None = None) -> list[str]:
    source = source or DEBIAN_DIR
    return [name for name in DEBIAN_FILES if not (source / name).is_file()]


def corpus_dir(data_dir: Path) -> Path:
    return data_dir / "corpora" / "wordnet"


def is_prepared(data_dir: Path | None = None) -> bool:
    return (corpus_dir(data_dir or default_data_dir()) / MARKER).is_file()


def check_available(data_dir: Path | None = None, source: Path | None = None) -> None:
    """Raise the install hint unless WordNet is prepared or can be; cheap enough for config validation."""
    if is_prepared(data_dir):
        return
    source = source or DEBIAN_DIR
    missing = missing_debian_files(source)
    if missing:
        raise ConfigError(f"WordNet is not installed: {source} lacks {', '.join(missing)}",
                          where="kbert prior", hint=INSTALL_HINT)


def prepare(data_dir: Path | None = None, source: Path | None = None) -> Path:
    """Copy Debian's WordNet into `data_dir` (once) and return the corpus folder NLTK reads."""
    data_dir = data_dir or default_data_dir()
    target = corpus_dir(data_dir)
    if is_prepared(data_dir):
        return target
    check_available(data_dir, source)
    source = source or DEBIAN_DIR
    partial = target.with_name(f".wordnet.partial-{os.getpid()}")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    for name in DEBIAN_FILES:
        shutil.copyfile(source / name, partial / name)
    (partial / "lexnames").write_text(lexnames_text(), encoding="ascii")
    (partial / MARKER).write_text(f"copied from {source}\n", encoding="utf-8")
    shutil.rmtree(target, ignore_errors=True)
    os.replace(partial, target)
    return target


@lru_cache(maxsize=4)
def _reader(data_dir: str, corpus: str) -> "WordNetCorpusReader":
    import warnings

    import nltk
    from nltk.corpus.reader.wordnet import WordNetCorpusReader

    class EnglishWordNet(WordNetCorpusReader):
        def map_wn(self, version: str = "wordnet") -> None:
            """NLTK maps the loaded WordNet onto its own "wordnet" corpus for the multilingual data, which is not
            used here; found in this same folder, that maps WordNet 3.0 onto itself, over half the loading time."""
            return None

    if data_dir not in nltk.data.path:
        nltk.data.path.append(data_dir)
    with warnings.catch_warnings():  # "multilingual functions are not available": only English is used
        warnings.simplefilter("ignore")
        return EnglishWordNet(corpus, None)


def load(data_dir: Path | None = None, source: Path | None = None) -> "WordNetCorpusReader":
    """The WordNet reader, preparing the copy on first use; one reader per folder, shared by every caller."""
    try:
        import nltk  # noqa: F401
    except ImportError:
        raise ConfigError("the kbert prior needs the package 'nltk'", hint="pip install nltk==3.10.4") from None
    data_dir = data_dir or default_data_dir()
    return _reader(str(data_dir.resolve()), str(prepare(data_dir, source).resolve()))


def describe(reader: Any) -> str:
    return f"WordNet {reader.get_version()} ({reader.root})"
