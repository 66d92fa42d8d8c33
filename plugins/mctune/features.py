"""The 14 linguistic features MCTune controls, computed as LFTK 1.0.9 computes them on a spaCy parse.

LFTK's PyPI package is licensed CC BY-NC 4.0, which a dependency of an Apache-2.0 framework cannot carry, so the
definitions are re-implemented here from its documented behaviour and checked against hand-computed values
(tests/mctune/test_features.py). What LFTK does, and so what MCTune's training labels hold, including its quirks:

- a "word" is every spaCy token: punctuation and whitespace tokens included (`t_word`);
- unique words are distinct lemmas of all tokens (`t_uword`); nouns, verbs and adjectives are the POS tags NOUN,
  VERB and ADJ (PROPN and AUX are not counted), unique ones by lemma;
- syllables are counted by a vowel-group heuristic over non-punctuation tokens whose "at least one" correction
  applies to the running total, not to each word;
- Flesch reading ease uses all tokens as words (the reference computes `t_word` first and LFTK caches it);
- reading time is words / 240; every ratio is 0 when its denominator is 0, and every value is rounded to 3 decimals.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

FEATURES: tuple[str, ...] = (
    "t_word", "n_noun", "n_verb", "n_adj", "t_uword", "n_unoun", "n_uverb", "n_uadj",
    "simp_ttr", "simp_noun_var", "simp_verb_var", "simp_adj_var", "fkre", "rt_average",
)
FOUNDATIONAL: tuple[str, ...] = ("t_word", "n_noun", "n_verb", "n_adj", "t_uword", "n_unoun", "n_uverb", "n_uadj",
                                 "fkre")
DERIVED: tuple[str, ...] = ("simp_ttr", "simp_noun_var", "simp_verb_var", "simp_adj_var", "rt_average")
# Columns that hold fractions; the others are counts (the reference's float64 vs int64 dataframe columns).
FRACTIONAL: frozenset[str] = frozenset({"simp_ttr", "simp_noun_var", "simp_verb_var", "simp_adj_var", "fkre",
                                        "rt_average"})
FKRE_MAX = 121.22  # 206.835 - 1.015 - 84.6: one word per sentence, one syllable per word
WORDS_PER_MINUTE = 240
VOWELS = "aeiouy"

Number = int | float


@dataclass(frozen=True)
class Token:
    """What the features read of one spaCy token."""

    text: str
    pos: str
    lemma: str
    is_punct: bool


def safe_division(numerator: Number, denominator: Number) -> Number:
    return numerator / denominator if denominator else 0


def syllables(tokens: Sequence[Token]) -> int:
    """LFTK's syllable total, with its correction of the running total (not of each word) kept."""
    total = 0
    for token in tokens:
        if token.is_punct or not token.text:
            continue
        word = token.text.lower()
        if word[0] in VOWELS:
            total += 1
        total += sum(1 for i in range(1, len(word)) if word[i] in VOWELS and word[i - 1] not in VOWELS)
        if word.endswith("e"):
            total -= 1
        if total == 0:
            total += 1
    return total


def derived(values: dict[str, Number]) -> dict[str, Number]:
    """The five ratios, from the foundational counts (used for measured and for sampled targets alike)."""
    return {
        "simp_ttr": safe_division(values["t_uword"], values["t_word"]),
        "simp_noun_var": safe_division(values["n_unoun"], values["n_noun"]),
        "simp_verb_var": safe_division(values["n_uverb"], values["n_verb"]),
        "simp_adj_var": safe_division(values["n_uadj"], values["n_adj"]),
        "rt_average": safe_division(values["t_word"], WORDS_PER_MINUTE),
    }


def flesch_reading_ease(words: int, sentences: int, syllable_count: int) -> float:
    return 206.835 - 1.015 * safe_division(words, sentences) - 84.6 * safe_division(syllable_count, words)


def features(tokens: Sequence[Token], sentences: int) -> dict[str, Number]:
    """The 14 features of one parsed text, in MCTune's order, rounded to 3 decimals as LFTK returns them."""
    def of(pos: str) -> list[Token]:
        return [t for t in tokens if t.pos == pos]

    values: dict[str, Number] = {"t_word": len(tokens), "t_uword": len({t.lemma for t in tokens})}
    for pos, name in (("NOUN", "noun"), ("VERB", "verb"), ("ADJ", "adj")):
        tagged = of(pos)
        values[f"n_{name}"] = len(tagged)
        values[f"n_u{name}"] = len({t.lemma for t in tagged})
    values.update(derived(values))
    values["fkre"] = flesch_reading_ease(len(tokens), sentences, syllables(tokens))
    return {name: round(values[name], 3) for name in FEATURES}
