"""The Lee document-similarity set (Lee, Pincombe, Welsh 2005): 50 short news documents and the mean human rating of
each of their 1,225 pairs, as gensim's wheel ships it in its test data (`lee.cor`, one document a line, Latin-1;
`similarities0-1.txt`, a 50x50 matrix whose upper triangle holds the ratings scaled to 0-1).

Its licence is not stated, so it is read from the installed package and never copied into this repository. Only the
files are read: gensim itself is not imported.
"""

from __future__ import annotations

import importlib.util
import random
from dataclasses import dataclass
from pathlib import Path

from synthloom import ConfigError

DOCUMENTS = "lee.cor"
RATINGS = "similarities0-1.txt"
INSTALL_HINT = "pip install -e '.[kbert-bench]' (gensim==4.4.0, whose wheel carries the Lee data)"


@dataclass(frozen=True)
class RatedPair:
    first: int
    second: int
    rating: float


def locate() -> Path:
    """gensim's test-data folder, found without importing gensim."""
    spec = importlib.util.find_spec("gensim")
    if spec is None or spec.origin is None:
        raise ConfigError("the Lee data set needs the package 'gensim'", where="kbert benchmark", hint=INSTALL_HINT)
    folder = Path(spec.origin).parent / "test" / "test_data"
    missing = [name for name in (DOCUMENTS, RATINGS) if not (folder / name).is_file()]
    if missing:
        raise ConfigError(f"gensim is installed but {folder} lacks {', '.join(missing)}", where="kbert benchmark",
                          hint=INSTALL_HINT)
    return folder


def read_documents(folder: Path) -> list[str]:
    return [line.strip() for line in (folder / DOCUMENTS).read_text(encoding="latin-1").splitlines() if line.strip()]


def read_pairs(folder: Path, documents: int) -> list[RatedPair]:
    """Every pair i < j with its rating, from the upper triangle."""
    rows = [[float(v) for v in line.split()] for line in (folder / RATINGS).read_text().splitlines() if line.strip()]
    if len(rows) != documents or any(len(row) != documents for row in rows):
        raise ConfigError(f"{folder / RATINGS} is not a {documents}x{documents} matrix", where="kbert benchmark")
    return [RatedPair(i, j, rows[i][j]) for i in range(documents) for j in range(i + 1, documents)]


def split_documents(documents: int, test: int, seed: int, train: int | None = None) -> tuple[set[int], set[int]]:
    """Train and test documents (`train` of them, default all the others): pairs are split by document, so no test
    document was seen in training."""
    order = list(range(documents))
    random.Random(seed).shuffle(order)
    rest = order[test:]
    return set(rest if train is None else rest[:train]), set(order[:test])


def within(pairs: list[RatedPair], documents: set[int]) -> list[RatedPair]:
    return [p for p in pairs if p.first in documents and p.second in documents]


def fraction(pairs: list[RatedPair], share: float, seed: int) -> list[RatedPair]:
    """The first int(N x share) pairs after a seeded shuffle, as the reference's `--proportion` takes them."""
    shuffled = list(pairs)
    random.Random(seed).shuffle(shuffled)
    return shuffled[:int(len(shuffled) * share)]
