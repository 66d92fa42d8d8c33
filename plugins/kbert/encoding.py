"""A sentence pair as BERT input, with the prior laid over its word pieces.

The layout is the reference's (Bert_sim `UER/get_similarity.py: output`, the version whose blocks line up with the
sentences): word slots `[CLS] a... [SEP] b... [SEP]`; pairs within `[CLS] + a` and within `b + [SEP]` get 1; pairs
across get the word-level prior, whose zero border gives `[CLS]` and the final `[SEP]` no cross-sentence knowledge;
the middle `[SEP]` row and column are 0 throughout. Every word piece takes its word's row and column.

Truncation (documented in docs/kbert.md): when the pieces do not fit `max_length` with the three special tokens,
the last piece of the longer sentence is removed, one at a time (the second on a tie), and both `[SEP]` are kept.
The reference cut the whole sequence at 128, losing the closing `[SEP]` and, after a long first sentence, the whole
second one: a pair model cannot judge a pair it cannot see. The prior is computed on the words that remain.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from synthloom.plugins.kbert.prior import words

if TYPE_CHECKING:
    from synthloom.plugins.kbert.prior import WordPrior

# Why a pair's prior says less than it seems to; shown beside every score.
EMPTY = "empty_sentence"
NO_WORDNET = "no_wordnet_words"
NO_CROSS = "no_cross_knowledge"
TRUNCATED = "truncated"


@dataclass(frozen=True)
class EncodedPair:
    input_ids: list[int]
    token_type_ids: list[int]
    prior: np.ndarray | None
    flags: tuple[str, ...]


def expand(word_prior: np.ndarray, slots: list[int], left: int, right: int) -> np.ndarray:
    """The piece-level prior from the (left+2, right+2) word matrix; `slots[i]` is piece i's word slot."""
    size = left + right + 3
    grid = np.ones((size, size), dtype=np.float32)
    grid[:left + 2, left + 1:] = word_prior
    grid[left + 1:, :left + 2] = word_prior.T
    index = np.asarray(slots)
    return grid[np.ix_(index, index)]


def fit(left: list[list[int]], right: list[list[int]], budget: int) -> tuple[int, int]:
    """How many pieces of each sentence remain under `budget`: the longer side loses its last piece first."""
    kept_a, kept_b = sum(map(len, left)), sum(map(len, right))
    while kept_a + kept_b > budget:
        if kept_a > kept_b:
            kept_a -= 1
        else:
            kept_b -= 1
    return kept_a, kept_b


def _take(pieces: list[list[int]], count: int, first_slot: int) -> tuple[list[int], list[int], int]:
    """The first `count` pieces, their word slots, and how many words they touch."""
    ids: list[int] = []
    slots: list[int] = []
    for index, word in enumerate(pieces):
        room = count - len(ids)
        if room <= 0:
            break
        ids += word[:room]
        slots += [first_slot + index] * min(room, len(word))
    return ids, slots, (slots[-1] - first_slot + 1) if slots else 0


class PairEncoder:
    """Turns (text_a, text_b) into ids, segment ids, the prior (when given a `WordPrior`) and flags; word pieces are
    cached per word, so a corpus tokenises each distinct word once."""

    def __init__(self, tokenizer: Any, prior: "WordPrior | None", max_length: int = 128) -> None:
        if max_length < 3:
            raise ValueError("max_length must leave room for [CLS] and two [SEP]")
        self.tokenizer = tokenizer
        self.prior = prior
        self.max_length = max_length
        self._pieces: dict[str, list[int]] = {}

    def pieces(self, word: str) -> list[int]:
        found = self._pieces.get(word)
        if found is None:
            found = self._pieces[word] = self.tokenizer.convert_tokens_to_ids(self.tokenizer.tokenize(word))
        return found

    def encode(self, text_a: str, text_b: str) -> EncodedPair:
        words_a, words_b = words(text_a), words(text_b)
        pieces_a, pieces_b = [self.pieces(w) for w in words_a], [self.pieces(w) for w in words_b]
        count_a, count_b = fit(pieces_a, pieces_b, self.max_length - 3)
        ids_a, slots_a, left = _take(pieces_a, count_a, 1)
        ids_b, slots_b, right = _take(pieces_b, count_b, left + 2)
        cls, sep = self.tokenizer.cls_token_id, self.tokenizer.sep_token_id
        input_ids = [cls, *ids_a, sep, *ids_b, sep]
        token_type_ids = [0] * (len(ids_a) + 2) + [1] * (len(ids_b) + 1)
        flags = []
        if not words_a or not words_b:
            flags.append(EMPTY)
        if (count_a, count_b) != (sum(map(len, pieces_a)), sum(map(len, pieces_b))):
            flags.append(TRUNCATED)
        matrix = None
        if self.prior is not None:
            kept_a, kept_b = words_a[:left], words_b[:right]
            word_prior = self.prior.matrix(kept_a, kept_b)
            if (kept_a or kept_b) and not any(self.prior.known(w) for w in (*kept_a, *kept_b)):
                flags.append(NO_WORDNET)
            if kept_a and kept_b and not word_prior.any():
                flags.append(NO_CROSS)
            slots = [0, *slots_a, left + 1, *slots_b, left + right + 2]
            matrix = expand(word_prior, slots, left, right)
        return EncodedPair(input_ids, token_type_ids, matrix, tuple(flags))
