"""The thresholds of the reference code and of the paper, on hand-made result matrices."""

from __future__ import annotations

import random

from conftest import fixture_rows

from synthloom.plugins.autoif.cross_validation import (
    collect_candidates,
    cross_validate,
    dpo_pairs,
    pass_rate,
)
from synthloom.plugins.autoif.kinds import join_query_instruction
from synthloom.plugins.autoif.parsing import ParsedReply

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
