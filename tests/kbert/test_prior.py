"""The word-pair prior against hand-checked values and against the reference's rule written out with NLTK."""

from __future__ import annotations

import random
from typing import Any

import pytest

from synthloom.plugins.kbert.prior import WordPrior, words
from synthloom.plugins.kbert.wup import WuPalmer


def reference_rule(wn: Any, word: str, target: str) -> float:
    """Bert_sim's get_similarity for one word pair, restated with NLTK's own wup_similarity."""
    left, right = wn.synsets(word), wn.synsets(target)
    if not left or not right:
        return 1.0 if word == target else 0.0
    if target in [l.name() for s in left for l in s.lemmas()] or word in [l.name() for s in right for l in s.lemmas()]:
        return 1.0
    values = [v for x in left for y in right for v in (x.wup_similarity(y), y.wup_similarity(x)) if v is not None]
    return sum(values) / len(values) if values else (1.0 if word == target else 0.0)


def test_words_are_lowercased_and_stripped_of_ascii_punctuation() -> None:
    assert words("The strife-torn Democrats, last night!") == ["the", "strifetorn", "democrats", "last", "night"]
    assert words("  ") == [] and words("«Ça» va") == ["«ça»", "va"]


def test_dog_and_cat(wordnet: Any) -> None:
    """dog.n.01 and cat.n.01 meet at carnivore.n.01 (deepest path 11): 2·12 / (14 + 14) = 6/7."""
    assert WuPalmer().similarity(wordnet.synset("dog.n.01"), wordnet.synset("cat.n.01")) == pytest.approx(6 / 7)
    assert WordPrior(wordnet, "fast").score("dog", "cat") == pytest.approx(0.857, abs=5e-4)
    reference = WordPrior(wordnet, "reference").score("dog", "cat")
    assert reference == pytest.approx(reference_rule(wordnet, "dog", "cat"))
    assert reference < 0.5  # the mean over all 18 x 18 sense pairs, most of them unrelated


@pytest.mark.parametrize("word, target, reference, fast", [
    ("car", "automobile", 1.0, 1.0),       # synonyms: one is a lemma name of the other's synsets
    ("xyzzy", "xyzzy", 1.0, 1.0),          # outside WordNet: identical
    ("xyzzy", "dog", 0.0, 0.0),            # outside WordNet: different
    ("the", "the", 1.0, 1.0),              # "the" has no synsets
])
def test_hand_checked_pairs(wordnet: Any, word: str, target: str, reference: float, fast: float) -> None:
    assert WordPrior(wordnet, "reference").score(word, target) == pytest.approx(reference)
    assert WordPrior(wordnet, "fast").score(word, target) == pytest.approx(fast)


def test_identical_inflected_words_differ_between_modes(wordnet: Any) -> None:
    """The reference compares surface forms with lemma names: "sat" is no lemma of its own synsets' names here, so
    "sat"/"sat" gets a Wu-Palmer mean below 1; fast mode gives identical words 1."""
    assert WordPrior(wordnet, "reference").score("sat", "sat") == pytest.approx(reference_rule(wordnet, "sat", "sat"))
    assert WordPrior(wordnet, "reference").score("sat", "sat") < 1.0
    assert WordPrior(wordnet, "fast").score("sat", "sat") == 1.0


def test_reference_mode_follows_the_reference_rule(wordnet: Any) -> None:
    prior = WordPrior(wordnet, "reference")
    for word, target in [("emoji", "emojis"), ("answer", "reply"), ("write", "translate"), ("only", "single"),
                         ("happy", "sad"), ("quickly", "slowly")]:
        assert prior.score(word, target) == pytest.approx(reference_rule(wordnet, word, target)), (word, target)


WORDS = ("dog cat run take make house government report say police good quickly chef fireman walk go red happy "
         "emoji answer write only letter palindrome haiku sonnet bullet list colour sad slowly very").split()


def test_wu_palmer_equals_nltk(wordnet: Any) -> None:
    """Sense pairs of nouns, verbs, adjectives and adverbs, mixed and in both orders, against NLTK's own
    wup_similarity."""
    rng = random.Random(7)
    senses = [s for word in WORDS for s in wordnet.synsets(word)]
    ours = WuPalmer()
    for _ in range(400):
        x, y = rng.choice(senses), rng.choice(senses)
        expected = x.wup_similarity(y)
        got = ours.similarity(x, y)
        assert (got is None) if expected is None else got == pytest.approx(expected), (x, y)


def test_matrix_has_a_zero_border(wordnet: Any) -> None:
    matrix = WordPrior(wordnet, "fast").matrix(["dog", "sat"], ["cat"])
    assert matrix.shape == (4, 3)
    assert not matrix[0].any() and not matrix[-1].any() and not matrix[:, 0].any() and not matrix[:, -1].any()
    assert matrix[1, 1] == pytest.approx(6 / 7)


def test_an_unknown_mode_is_refused(wordnet: Any) -> None:
    with pytest.raises(ValueError, match="unknown prior mode"):
        WordPrior(wordnet, "exact")  # type: ignore[arg-type]
