"""The 14 features against values computed by hand from LFTK 1.0.9's definitions."""

from __future__ import annotations

import pytest

from synthloom.plugins.mctune.features import FEATURES, Token, features, flesch_reading_ease, safe_division, syllables

THE_CAT_SAT = [Token("The", "DET", "the", False), Token("cat", "NOUN", "cat", False),
               Token("sat", "VERB", "sit", False), Token(".", "PUNCT", ".", True)]


def test_a_short_sentence_by_hand() -> None:
    values = features(THE_CAT_SAT, 1)
    assert list(values) == list(FEATURES)
    assert values == {
        "t_word": 4, "n_noun": 1, "n_verb": 1, "n_adj": 0, "t_uword": 4, "n_unoun": 1, "n_uverb": 1, "n_uadj": 0,
        "simp_ttr": 1.0, "simp_noun_var": 1.0, "simp_verb_var": 1.0, "simp_adj_var": 0,
        # 206.835 - 1.015 * 4/1 - 84.6 * 3/4 (the, cat, sat: 3 syllables; punctuation counts as a word)
        "fkre": 139.325,
        "rt_average": 0.017,  # 4 / 240
    }
    assert isinstance(values["simp_adj_var"], int)  # safe_division's 0 stays an int, as in LFTK


def test_unique_counts_are_by_lemma_and_proper_nouns_and_auxiliaries_do_not_count() -> None:
    tokens = [Token("Dogs", "NOUN", "dog", False), Token("dog", "NOUN", "dog", False),
              Token("Rex", "PROPN", "Rex", False), Token("is", "AUX", "be", False), Token("big", "ADJ", "big", False),
              Token("\n\n", "SPACE", "\n\n", False)]
    values = features(tokens, 2)
    assert (values["n_noun"], values["n_unoun"], values["n_verb"], values["n_adj"]) == (2, 1, 0, 1)
    assert values["t_word"] == 6 and values["t_uword"] == 5  # whitespace is a word; dog/dog share a lemma
    assert values["simp_noun_var"] == 0.5 and values["simp_verb_var"] == 0


def test_the_syllable_floor_applies_to_the_running_total() -> None:
    cat, the = Token("cat", "NOUN", "cat", False), Token("the", "DET", "the", False)
    assert syllables([the]) == 1  # 1 vowel group, minus the silent e, floored at 1
    assert syllables([cat, the]) == 1  # LFTK's quirk: "the" adds 0 because the total (1) is not 0
    assert syllables([Token("idea", "NOUN", "idea", False)]) == 2  # i, ea
    assert syllables([Token("!", "PUNCT", "!", True)]) == 0


def test_empty_text_has_zero_features_and_an_impossible_reading_ease() -> None:
    values = features([], 0)
    assert values["t_word"] == 0 and values["simp_ttr"] == 0 and values["rt_average"] == 0
    assert values["fkre"] == pytest.approx(206.835)
    assert safe_division(3, 0) == 0 and flesch_reading_ease(0, 0, 0) == 206.835


def test_real_parses_with_spacy(spacy_pipeline: object) -> None:
    from synthloom.plugins.mctune.nlp import measure, parse

    text = "I love eating apples. They are tasty and cheap!"
    (tokens, sentences), = parse([text])
    values = measure([text])[0]
    assert sentences == 2 and values["t_word"] == len(tokens) == 11
    # apples; love, eating; tasty, cheap
    assert values["n_noun"] == 1 and values["n_verb"] == 2 and values["n_adj"] == 2
    empty, emoji = measure(["", "😀😀"])
    assert empty["t_word"] == 0 and empty["fkre"] == 206.835
    assert emoji["t_word"] == 2 and emoji["fkre"] == pytest.approx(162.505)  # 206.835 - 1.015 * 2 - 84.6 * 1/2
