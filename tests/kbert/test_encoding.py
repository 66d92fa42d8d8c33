"""The prior laid over word pieces: the reference's block layout, copies to every piece of a word, the truncation
rule, and the flags for pairs the prior knows nothing about."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from synthloom.plugins.kbert.encoding import (
    EMPTY,
    NO_CROSS,
    NO_WORDNET,
    TRUNCATED,
    PairEncoder,
    expand,
    fit,
)
from synthloom.plugins.kbert.prior import WordPrior


@pytest.fixture(scope="module")
def tokenizer(tiny_bert: Path) -> Any:
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(tiny_bert))


def test_expand_places_the_word_prior_across_sentences() -> None:
    """Two words against one: slots [CLS] a1 a2 [SEP] b1 [SEP]; s(a1,b1) = .3, s(a2,b1) = .7."""
    word = np.zeros((4, 3), dtype=np.float32)
    word[1, 1], word[2, 1] = 0.3, 0.7
    got = expand(word, [0, 1, 2, 3, 4, 5], 2, 1)
    expected = np.array([
        # CLS  a1   a2  SEP   b1  SEP
        [1.0, 1.0, 1.0, 0.0, 0.0, 0.0],  # [CLS]: 1 with its own sentence, 0 across
        [1.0, 1.0, 1.0, 0.0, 0.3, 0.0],
        [1.0, 1.0, 1.0, 0.0, 0.7, 0.0],
        [0.0, 0.0, 0.0, 0.0, 0.0, 0.0],  # the middle [SEP]: 0 throughout, as in the reference
        [0.0, 0.3, 0.7, 0.0, 1.0, 1.0],
        [0.0, 0.0, 0.0, 0.0, 1.0, 1.0],  # the final [SEP] belongs to the second sentence
    ], dtype=np.float32)
    np.testing.assert_allclose(got, expected)


def test_every_piece_of_a_word_takes_its_row(tokenizer: Any, wordnet: Any) -> None:
    encoded = PairEncoder(tokenizer, WordPrior(wordnet, "fast")).encode("Dog!", "kittens cat")
    assert tokenizer.convert_ids_to_tokens(encoded.input_ids) == ["[CLS]", "dog", "[SEP]", "kitten", "##s", "cat",
                                                                  "[SEP]"]
    assert encoded.token_type_ids == [0, 0, 0, 1, 1, 1, 1]
    prior = encoded.prior
    assert prior is not None and prior.shape == (7, 7)
    np.testing.assert_allclose(prior[3], prior[4])          # both pieces of "kittens"
    np.testing.assert_allclose(prior[:, 3], prior[:, 4])
    assert prior[1, 5] == pytest.approx(6 / 7)              # dog / cat
    assert prior[5, 1] == pytest.approx(6 / 7)
    assert encoded.flags == ()


def test_fit_trims_the_longer_sentence_first() -> None:
    assert fit([[1], [2, 3], [4]], [[5]], 5) == (4, 1)
    assert fit([[1], [2, 3], [4]], [[5]], 3) == (2, 1)
    assert fit([[1, 2]], [[3, 4]], 3) == (2, 1)             # a tie trims the second sentence
    assert fit([], [], 3) == (0, 0)


def test_truncation_keeps_both_separators_and_flags_it(tokenizer: Any, wordnet: Any) -> None:
    encoder = PairEncoder(tokenizer, WordPrior(wordnet, "fast"), max_length=8)
    encoded = encoder.encode("the dog sat on the mat with a cat", "a kitten")
    tokens = tokenizer.convert_ids_to_tokens(encoded.input_ids)
    assert tokens == ["[CLS]", "the", "dog", "sat", "[SEP]", "a", "kitten", "[SEP]"]
    assert TRUNCATED in encoded.flags
    assert encoded.prior is not None and encoded.prior.shape == (8, 8)


def test_empty_sentences(tokenizer: Any, wordnet: Any) -> None:
    encoder = PairEncoder(tokenizer, WordPrior(wordnet, "fast"))
    both = encoder.encode("", "?!")
    assert tokenizer.convert_ids_to_tokens(both.input_ids) == ["[CLS]", "[SEP]", "[SEP]"]
    assert both.flags == (EMPTY,)
    one = encoder.encode("", "the dog")
    assert one.flags == (EMPTY,) and one.prior is not None and one.prior.shape == (5, 5)


def test_text_outside_wordnet_is_flagged(tokenizer: Any, wordnet: Any) -> None:
    encoder = PairEncoder(tokenizer, WordPrior(wordnet, "fast"))
    foreign = encoder.encode("Отвечайте только эмодзи", "只用表情符号回答")
    assert foreign.flags == (NO_WORDNET, NO_CROSS)
    assert foreign.prior is not None
    n = len(foreign.input_ids)
    first = foreign.token_type_ids.index(1)
    assert not foreign.prior[:first, first:n].any()         # all zeros across the sentences
    # Latin-script text in another language can meet English homographs ("des", "mit"): not always flagged
    assert NO_CROSS not in encoder.encode("Répondez avec des émojis", "Antworte mit Emojis").flags
    nothing = encoder.encode("xyzzy plugh", "qwerty")
    assert set(nothing.flags) == {NO_WORDNET, NO_CROSS}


def test_without_a_prior_there_is_no_matrix(tokenizer: Any) -> None:
    encoded = PairEncoder(tokenizer, None).encode("the dog", "a cat")
    assert encoded.prior is None and encoded.flags == ()


def test_max_length_needs_room_for_the_special_tokens(tokenizer: Any) -> None:
    with pytest.raises(ValueError, match="room"):
        PairEncoder(tokenizer, None, max_length=2)
