"""The word-pair prior: how similar each word of one sentence is to each word of the other, from WordNet.

Two modes:

- `reference`: the reference code's rule (Bert_sim, `get_similarity`). 1.0 when one word is a lemma name of the
  other's synsets (the surface form is compared, so "sat"/"sat" is not a synonym pair unless "sat" is a lemma
  name); otherwise the mean Wu-Palmer similarity over every sense pair, both directions pooled, None values
  skipped; a word without synsets, or a pair with no Wu-Palmer value, scores 1 if the words are identical, else 0.
- `fast`: identical words score 1; else the same synonym test; else the *best* Wu-Palmer similarity over the first
  `senses` senses of each word (WordNet lists the most frequent first). Far fewer sense pairs, and it does not
  blur a close first sense with a dozen rare ones.

Words are what the reference feeds both the prior and BERT: lower-cased text with ASCII punctuation deleted, split
on whitespace ("strife-torn" becomes "strifetorn").
"""

from __future__ import annotations

import string
from typing import Any, Literal, Sequence

import numpy as np

from synthloom.plugins.kbert.wup import WuPalmer

Mode = Literal["reference", "fast"]
MODES: tuple[Mode, ...] = ("reference", "fast")
_PUNCTUATION = str.maketrans("", "", string.punctuation)


def words(text: str) -> list[str]:
    return text.lower().translate(_PUNCTUATION).split()


class WordPrior:
    """Scores word pairs with one WordNet reader; synsets, lemma names and scores are cached per word and pair, so
    a corpus pays for each distinct word pair once."""

    def __init__(self, wordnet: Any, mode: Mode = "reference", senses: int = 3) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown prior mode {mode!r}; use one of {MODES}")
        self.wordnet = wordnet
        self.mode = mode
        self.senses = senses
        self._wup = WuPalmer()
        self._synsets: dict[str, list[Any]] = {}
        self._names: dict[str, frozenset[str]] = {}
        self._scores: dict[tuple[str, str], float] = {}

    def synsets(self, word: str) -> list[Any]:
        found = self._synsets.get(word)
        if found is None:
            found = self._synsets[word] = list(self.wordnet.synsets(word))
        return found

    def _lemma_names(self, word: str) -> frozenset[str]:
        names = self._names.get(word)
        if names is None:
            names = self._names[word] = frozenset(l.name() for s in self.synsets(word) for l in s.lemmas())
        return names

    def known(self, word: str) -> bool:
        return bool(self.synsets(word))

    def score(self, word: str, target: str) -> float:
        key = (word, target)
        value = self._scores.get(key)
        if value is None:
            value = self._scores[key] = self._score(word, target)
        return value

    def _score(self, word: str, target: str) -> float:
        same = 1.0 if word == target else 0.0
        left, right = self.synsets(word), self.synsets(target)
        if not left or not right:
            return same
        if self.mode == "fast" and same:
            return 1.0
        if target in self._lemma_names(word) or word in self._lemma_names(target):
            return 1.0
        if self.mode == "fast":
            values = [self._wup.similarity(x, y) for x in left[:self.senses] for y in right[:self.senses]]
        else:
            values = [self._wup.similarity(a, b) for x in left for y in right for a, b in ((x, y), (y, x))]
        found = [v for v in values if v is not None]
        if not found:
            return same
        return max(found) if self.mode == "fast" else sum(found) / len(found)

    def matrix(self, left: Sequence[str], right: Sequence[str]) -> np.ndarray:
        """The reference's word-level matrix, shape (len(left) + 2, len(right) + 2): a zero border stands for the
        tokens around each sentence ([CLS]/[SEP]), which have no knowledge."""
        out = np.zeros((len(left) + 2, len(right) + 2), dtype=np.float32)
        for i, word in enumerate(left, start=1):
            for j, target in enumerate(right, start=1):
                out[i, j] = self.score(word, target)
        return out
