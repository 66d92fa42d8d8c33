"""The thresholds of the reference code and of the paper, on hand-made result matrices."""

from __future__ import annotations

import random

from tests.autoif.helpers import fixture_rows

from synthloom.plugins.autoif.parsing.decisions import (
    Verdict,
    candidate_shortfall,
    collect_candidates,
    cross_validate,
    cross_validation_verdict,
    dedup_instructions,
    dpo_pairs,
    pass_rate,
    quality_verdict,
    rejection_verdicts,
)
from synthloom.plugins.autoif.parsing.replies import ParsedReply
from synthloom.plugins.autoif.prompts import join_query_instruction

CASES = [("a", True), ("b", False), ("c", True), ("d", True)]


def test_code_variant_keeps_cases_one_function_agrees_with() -> None:
    # three functions x four cases; None = the call raised or timed out
    results = [[True, False, True, False],
               [True, False, False, False],
               [None, None, None, None]]
    cv = cross_validate(["f0", "f1", "f2"], CASES, results, "code")
    assert [c.kept for c in cv.cases] == [True, True, True, False]
    assert [round(f.accuracy, 2) for f in cv.funcs] == [1.0, 0.67, 0.0]
    assert [f.kept for f in cv.funcs] == [True, False, False]
    assert cv.funcs[2].errors == 4


def test_paper_variant_needs_a_majority_and_half_accuracy() -> None:
    results = [[True, False, True, False],
               [True, False, False, False],
               [None, None, None, None]]
    cv = cross_validate(["f0", "f1", "f2"], CASES, results, "paper")
    assert [c.kept for c in cv.cases] == [True, True, False, False]
    assert [f.kept for f in cv.funcs] == [True, True, False]


def test_string_booleans_never_agree_in_the_reference_and_are_read_when_coercing() -> None:
    replies = [ParsedReply(func="f", cases=[("x", "true"), ("y", False)])]
    reference = collect_candidates(replies)
    assert reference.cases == [("x", "true"), ("y", False)]
    cv = cross_validate(["f"], reference.cases, [[True, False]])
    assert [c.kept for c in cv.cases] == [False, True]
    coerced = collect_candidates(replies, "coerce")
    assert coerced.cases == [("x", True), ("y", False)]
    assert all(c.kept for c in cross_validate(["f"], coerced.cases, [[True, False]]).cases)


def test_integer_results_agree_with_booleans_like_python_equality() -> None:
    assert cross_validate(["f"], [("x", True)], [[1]]).cases[0].kept


def test_candidates_are_unique_in_first_seen_order_and_skip_unparsed_replies() -> None:
    replies = [ParsedReply(func="f1", cases=[("a", True)]), ParsedReply(error="invalid_json"),
               ParsedReply(func="f1", cases=[("a", True), ("b", False)]), ParsedReply(func="f2", cases=[])]
    found = collect_candidates(replies)
    assert found.funcs == ["f1", "f2"]
    assert found.cases == [("a", True), ("b", False)]
    assert [i for i, _ in found.rejected] == [1]


def test_pass_rate_applies_int_like_the_reference() -> None:
    assert pass_rate([True, False, True, None]) == 2 / 3
    assert pass_rate(["True", "1", 1]) == 1.0  # int("True") raises and is skipped; int("1") == 1
    assert pass_rate([None, [1]]) == 0.0


def test_dpo_pairs_follow_the_reference_sampling() -> None:
    rng = random.Random(0)
    many = [("p1", 1.0), ("p2", 0.5), ("p3", 0.75), ("n1", 0.0), ("n2", 0.0), ("mid", 0.25)]
    pairs = dpo_pairs(many, rng)
    assert len(pairs) == 4 and all(c.startswith("p") and r.startswith("n") for c, r in pairs)
    assert dpo_pairs([("p1", 1.0), ("n1", 0.0)], rng) == [("p1", "n1")]
    assert dpo_pairs([("p1", 1.0), ("p2", 1.0)], rng) == []
    assert dpo_pairs([("p1", 1.0), ("n1", 0.0), ("n2", 0.0)], rng) in ([("p1", "n1"), ("p1", "n2")],
                                                                      [("p1", "n2"), ("p1", "n1")])


def test_dpo_sample_data_has_no_pair_when_every_response_fails() -> None:
    rows = fixture_rows("dpo_query_eval_score_results.jsonl")
    counts = [len(dpo_pairs([tuple(r) for r in row["response"]], random.Random(0))) for row in rows]
    assert all(c in (0, 1, 2, 4) for c in counts)
    assert counts[0] == 0  # the first row's responses all pass 0.0


def test_query_and_instruction_are_joined_like_the_sft_script() -> None:
    assert join_query_instruction("what is x?", "answer in one word") == "What is x? Answer in one word."
    assert join_query_instruction("tell me. now", "be brief") == "Tell me. now Be brief."
    assert join_query_instruction("list three fruits", "use commas") == "List three fruits. Use commas."
    assert join_query_instruction("Already joined prompt", "") == "Already joined prompt"


def test_dedup_keeps_the_first_of_each_wording_and_says_why_it_drops_the_others() -> None:
    texts = ["Use no commas", "use NO commas!", "x" * 11, "...", "End with 'ok'"]
    verdicts = dedup_instructions(texts, max_chars=14)
    assert verdicts[1] == Verdict("duplicate", "same as 'Use no commas'")
    assert verdicts[3] == Verdict("no_words", "the instruction has no letters or digits")
    assert [verdicts[i] for i in (0, 2, 4)] == [None] * 3
    assert dedup_instructions(["x" * 11], max_chars=10) == [Verdict("too_long", "11 characters (max 10)")]


def test_cross_validation_needs_enough_candidates_then_an_agreed_case_and_an_accurate_function() -> None:
    few = collect_candidates([ParsedReply(func="f", cases=[("a", True)])])
    assert candidate_shortfall(few, min_funcs=3, min_cases=10) == Verdict(
        "too_few_candidates", "1 unique functions (need 3) and 1 unique cases (need 10)")
    assert candidate_shortfall(few, min_funcs=1, min_cases=1) is None
    assert cross_validation_verdict(cross_validate(["f"], [("a", True)], [[False]])).reason == "no_case_agreed"
    inaccurate = cross_validate(["f0", "f1"], CASES, [[True, False, True, True], [True, True, False, False]])
    assert [f.kept for f in inaccurate.funcs] == [True, False]
    assert cross_validation_verdict(inaccurate) is None
    # case b agrees with neither and goes; each function misses one of the kept a, c, d: 2/3 < 0.8
    none_accurate = cross_validate(["f0", "f1"], CASES, [[True, True, False, True], [True, True, True, False]])
    assert cross_validation_verdict(none_accurate) == Verdict("no_accurate_function",
                                                              "best accuracy on kept cases: 0.67")


def test_rejection_keeps_responses_above_the_pass_rate_once_each() -> None:
    verdicts = rejection_verdicts(["a", "b", "a", "c"], [1.0, 0.0, 0.5, 0.5], pass_rate_above=0.0)
    assert [v and v.reason for v in verdicts] == [None, "low_pass_rate", "duplicate_response", None]
    assert verdicts[1].detail == "pass rate 0.00 (needs > 0.0)"
    assert rejection_verdicts(["a"], [0.5], pass_rate_above=0.5)[0].reason == "low_pass_rate"  # the paper's > 0.5


def test_quality_needs_a_mean_score_above_the_threshold() -> None:
    assert quality_verdict([9, None, 10], 8.0) is None
    assert quality_verdict([8, 8], 8.0) == Verdict("low_quality_score", "mean score 8.00 (needs > 8.0)")
    assert quality_verdict([None], 8.0) == Verdict("no_score", "mean score 0.00 (needs > 8.0)")
