"""BSDetector's and CLEAR's rules against hand-checked values."""

from __future__ import annotations

import math

import pytest

from synthloom.plugins.clear import parsing, prompts


def test_extract_answer_and_normalise() -> None:
    assert parsing.extract_answer("explanation: 2 and 2, answer: [4].") == "4"
    assert parsing.extract_answer("Answer: x. Then answer: Paris") == "Paris"
    assert parsing.extract_answer("just text") == "just text"
    assert parsing.normalise("  \"Paris.\" ") == "paris"
    assert parsing.normalise("The  Sky\nis blue") == "the sky is blue"


@pytest.mark.parametrize("reply, letter", [
    ("explanation: fine, answer: A", "A"),
    ("explanation: no, answer: [B]", "B"),
    ("Answer: (C) I am not sure", "C"),
    ("answer: A ... on reflection answer: B", "B"),
    ("The answer is (B).", "B"),
    ("Answer follows the question.", None),   # the A of "Answer" is not a choice
    ("I am not sure about this.", "C"),
    ("That is incorrect.", "B"),
    ("Correct!", "A"),
    ("", None),
])
def test_parse_letter(reply: str, letter: str | None) -> None:
    assert parsing.parse_letter(reply) == letter


def test_verdict_reads_letters_and_words() -> None:
    assert parsing.verdict("explanation: x, answer: (A) Yes") == "yes"
    assert parsing.verdict("answer: B") == "no"
    assert parsing.verdict("answer: No, A is better") == "no"
    assert parsing.verdict("yes") == "yes"


def test_observed_consistency_by_hand() -> None:
    # 5 samples: 2 match (s = 1); 3 differ with contradiction pairs (0.2, 0.4), (0.9, 0.7), (0, 0).
    found = parsing.observed_consistency([True, False, False, True, False],
                                         [(None, None), (0.2, 0.4), (0.9, 0.7), (None, None), (0.0, 0.0)])
    ncp = (1 + 0.7 + 0.2 + 1 + 1) / 5
    assert found.ncp == pytest.approx(ncp) and found.emr == pytest.approx(0.4)
    assert found.observed == pytest.approx(0.8 * ncp + 0.2 * 0.4)
    unread = parsing.observed_consistency([False, False], [(None, 0.5), (1.0, 1.0)])
    assert unread.unread == 1 and unread.ncp == pytest.approx(0.0) and unread.observed == pytest.approx(0.0)
    nothing = parsing.observed_consistency([False], [(None, None)])
    assert nothing.ncp is None and nothing.observed == pytest.approx(0.0)


def test_the_worked_example_of_the_notes() -> None:
    """NCP 0.21, EMR 0: O = 0.168; reflections B, B: S = 0; C = 0.7 x 0.168 = 0.1176."""
    observed = 0.8 * 0.21 + 0.2 * 0.0
    certainty, missing = parsing.certainty(["B", "B"])
    assert observed == pytest.approx(0.168) and certainty == 0.0 and missing == 0
    assert parsing.confidence(observed, certainty) == pytest.approx(0.1176)


def test_certainty_without_letters_is_counted_and_left_out() -> None:
    assert parsing.certainty(["A", None]) == (1.0, 1)
    assert parsing.certainty(["C", "A"]) == (0.75, 0)
    assert parsing.certainty([None, None]) == (0.5, 2)


def test_median_filter_keeps_strictly_above() -> None:
    gamma, kept = parsing.median_filter([0.2, 0.9, 0.5, 0.5, 0.7])
    assert gamma == 0.5 and kept == [False, True, False, False, True]
    gamma, kept = parsing.median_filter([])
    assert math.isnan(gamma) and kept == []


def test_correction_rule() -> None:
    assert parsing.correction(False, True, 0.81) == "corrected"
    assert parsing.correction(True, True, 0.8) == "kept"       # not above eta
    assert parsing.correction(False, True, 0.8) == "filtered"
    assert parsing.correction(False, False, 0.99) == "filtered"  # confident, but says no
    assert parsing.correction(True, False, None) == "kept"


def test_pair_from_row_and_prompts() -> None:
    assert parsing.pair_from_row({"prompt": "p", "response": "r"}) == ("p", "r")
    messages = [{"role": "user", "content": "p"}, {"role": "assistant", "content": "r"}]
    assert parsing.pair_from_row({"messages": messages}) == ("p", "r")
    assert "does not end" in parsing.pair_from_row({"messages": messages[:1]})  # type: ignore[operator]
    assert "no string fields" in parsing.pair_from_row({"q": 1})  # type: ignore[operator]
    assert prompts.sample_prompt("{x}?").endswith("+ Question: {x}?")
    first, second = prompts.reflection_prompts("Q", "{answer}")
    assert first.startswith("Question: Q, Proposed Answer: {answer}. Is the proposed answer: (A) Correct")
    assert "Are you really sure" in second
