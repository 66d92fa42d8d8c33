"""The pure rules, against values checked by hand (and, for `compat`, by running the reference's expressions)."""

from __future__ import annotations

import pytest

from synthloom.plugins.debate.cc import cc_scores
from synthloom.plugins.debate.dialogue import Step, next_step
from synthloom.plugins.debate.parsing import JudgeScore, judgement, parse_arguments, parse_judge_reply
from tests.debate.cases import BAD, EXCLUDED, JUDGED, LENIENT

LIST = "1. Arg one.\n2. Arg two.\n3. Arg three."


@pytest.mark.parametrize("reply, expected", [
    (LIST, ["Arg one.", "Arg two.", "Arg three."]),
    (LIST + "\n", ["Arg one.", "Arg two.", "Arg three."]),
    ("Here are my arguments:\n1. A.\n2. B.", ["A.", "B."]),
    (LIST + "\n\nThese are my arguments.", ["Arg one.", "Arg two."]),            # the last item is lost
    ("1. Costs rose by 3.5 percent.\n2. Second arg.", ["Costs rose by", "Second arg."]),  # cut at the decimal
    ("1. **Economic growth**: jobs.\n2. Two.", ["**Economic growth**: jobs.", "Two."]),
    ("1) A\n2) B", []),
    ("1. Arg one\n   with continuation.\n2. Arg two.", ["Arg two."]),             # the wrapped item is lost
    ("1. No period\n2. Again", ["No period", "Again"]),
])
def test_compat_reads_lists_exactly_as_the_reference_expression(reply: str, expected: list[str]) -> None:
    found = parse_arguments(reply, 5, compat=True)
    assert (found.kept, found.rule) == (expected, "reference")


@pytest.mark.parametrize("reply, expected, rule", [
    (LIST + "\n\nThese are my arguments.", ["Arg one.", "Arg two.", "Arg three."], "numbered"),
    ("1. Costs rose by 3.5 percent.\n2. Second arg.", ["Costs rose by 3.5 percent.", "Second arg."], "numbered"),
    ("1. **Economic growth**: jobs.\n2. Two.", ["Economic growth: jobs.", "Two."], "numbered"),
    ("1) A\n(2) B\n3: C", ["A", "B", "C"], "numbered"),
    ("1. Arg one\n   with continuation.\n2. Arg two.", ["Arg one with continuation.", "Arg two."], "numbered"),
    ("**1.** Bold number\n2. Plain", ["Bold number", "Plain"], "numbered"),
    ("My points:\n- Cheaper.\n* Safer.\n• Faster.", ["Cheaper.", "Safer.", "Faster."], "bulleted"),
    ("Cars are bad. Also noisy.\nAnd they pollute.", [], "none"),
    ("", [], "none"),
])
def test_default_reads_lists_line_by_line(reply: str, expected: list[str], rule: str) -> None:
    found = parse_arguments(reply, 5)
    assert (found.kept, found.rule) == (expected, rule)


def test_repeats_and_empty_items_are_left_out_with_reasons_and_the_rest_kept_beyond_arg_num() -> None:
    found = parse_arguments("1. Cheap.\n2.  cheap. \n3. **  **\n4. Safe.\n5. Fast.\n6. Quiet.", 2)
    assert found.kept == ["Cheap.", "Safe."] and found.spare == ["Fast.", "Quiet."]
    assert found.left_out == [("duplicate_argument", "cheap."), ("empty_argument", "**  **")]


@pytest.mark.parametrize("reply, lenient, expected", [
    ("100 0\nAll arguments support it.", False, JudgeScore(100, 0, "ok")),
    ("100,0", False, JudgeScore(100, 0, "ok")),
    ("30 70", False, JudgeScore(30, 70, "ok")),
    ("100, 0", False, JudgeScore(None, None, "unparsed")),      # three parts after the comma becomes a space
    ("100% 0%", False, JudgeScore(None, None, "unparsed")),
    ("100  0", False, JudgeScore(None, None, "unparsed")),
    ("Support: 100, Oppose: 0", False, JudgeScore(None, None, "unparsed")),
    ("", False, JudgeScore(None, None, "unparsed")),
    ("nan 100", False, JudgeScore(None, None, "unparsed")),
    ("60 60", False, JudgeScore(60, 60, "inconsistent")),
    ("150 -50", False, JudgeScore(150, -50, "out_of_range")),
    ("100 20", False, JudgeScore(100, 20, "inconsistent")),
    ("100, 0", True, JudgeScore(100, 0, "ok")),
    ("\nSupport: 100%, Oppose: 0%\nbecause", True, JudgeScore(100, 0, "ok")),
    ("Support 100", True, JudgeScore(None, None, "unparsed")),
    ("1 2 3", True, JudgeScore(None, None, "unparsed")),
])
def test_judge_replies(reply: str, lenient: bool, expected: JudgeScore) -> None:
    assert parse_judge_reply(reply, lenient=lenient) == expected


def test_a_response_is_controlled_only_when_its_own_side_gets_exactly_100() -> None:
    assert judgement("affirmative", "100 20")["controlled"] is True      # the other number is not looked at
    assert judgement("affirmative", "99.5 0.5")["controlled"] is False
    assert judgement("negative", "0 100")["controlled"] is True
    assert judgement("negative", "100 0")["controlled"] is False
    assert judgement("negative", "garbage") == {"support": None, "oppose": None, "status": "unparsed",
                                                "controlled": False, "review": "garbage"}


def scores(lenient: bool = False, unparsed: str = "bad"):
    return cc_scores([(side, parse_judge_reply(text, lenient=lenient)) for side, text in JUDGED], unparsed=unparsed)


def test_cc_counts_unparsed_replies_as_failures_by_default_like_the_reference() -> None:
    result = scores()
    assert (result.cc_p, result.cc_n, result.cc_all) == BAD
    assert (result.affirmative, result.negative, result.good_affirmative, result.good_negative) == (3, 4, 1, 1)
    assert (result.unparsed, result.inconsistent, result.out_of_range) == (2, 1, 1)
    assert result.mean_support_affirmative == 90 and result.mean_oppose_negative == pytest.approx(250 / 3)


def test_cc_can_leave_unparsed_replies_out() -> None:
    result = scores(unparsed="exclude")
    assert (result.cc_p, result.cc_n, result.cc_all) == EXCLUDED
    assert (result.affirmative, result.negative, result.unparsed) == (2, 3, 2)


def test_cc_with_lenient_parsing_reads_the_two_replies_the_reference_rejects() -> None:
    result = scores(lenient=True)
    assert (result.cc_p, result.cc_n, result.cc_all, result.unparsed) == (*LENIENT, 0)


def test_cc_of_nothing_is_none_not_a_division_by_zero() -> None:
    result = cc_scores([("affirmative", JudgeScore(None, None, "unparsed"))], unparsed="exclude")
    assert (result.cc_p, result.cc_n, result.cc_all, result.mean_support_affirmative) == (None, None, None, None)


def test_turn_order_for_any_number_of_rounds() -> None:
    assert [next_step("negative", done, 2) for done in range(5)] == [
        Step(1, "holder", "negative"), Step(2, "opponent", "affirmative"), Step(3, "holder", "negative"),
        Step(4, "opponent", "affirmative"), Step(5, "watcher", "negative")]
    assert next_step("affirmative", 2, 1) == Step(3, "watcher", "affirmative")
    assert next_step("affirmative", 5, 3) == Step(6, "opponent", "negative")
