"""ProbDiff's arithmetic and rules against hand-checked values."""

from __future__ import annotations

import math

import pytest

from synthloom.plugins.probdiff import parsing, prompts


def test_gap_is_revision_minus_answer_and_nan_becomes_minus_one() -> None:
    assert parsing.gap(-0.5, -0.2) == pytest.approx(-0.3)
    assert parsing.gap(math.nan, -0.2) == -1.0
    assert parsing.gap(-0.2, math.nan) == -1.0
    assert parsing.mean_logprob([]) != parsing.mean_logprob([])  # NaN, as the reference's empty mean
    assert parsing.mean_logprob([-1.0, -2.0, -3.0]) == pytest.approx(-2.0)


def test_iterated_revisions_average_their_gaps() -> None:
    value, gaps = parsing.probdiff([-0.4, math.nan, -0.1], -0.2)
    assert gaps == pytest.approx([-0.2, -1.0, 0.1])
    assert value == pytest.approx((-0.2 - 1.0 + 0.1) / 3)
    assert parsing.probdiff([-0.25], -0.2)[0] == pytest.approx(-0.05)


def test_good_bad_bucket_is_inclusive_at_minus_threshold() -> None:
    assert parsing.label(-0.05) == "good"
    assert parsing.label(-0.0500001) == "bad"
    assert parsing.label(0.3) == "good"
    assert parsing.label(-1.0) == "bad"
    assert parsing.label(-0.1, threshold=0.2) == "good"


def test_status_records_empty_and_refused_texts() -> None:
    assert parsing.status("An answer.", ["A better answer."]) == "ok"
    assert parsing.status("  ", ["x"]) == "empty_answer"
    assert parsing.status("a", ["x", ""]) == "empty_revision"
    assert parsing.status("a", ["I'm sorry, but I can't help."]) == "refused"
    assert parsing.status("a", ["As an AI language model, I ..."]) == "refused"
    assert parsing.status("a", ["Sorrel is a herb."]) == "ok"


def test_pairwise_outcome_and_ties() -> None:
    assert parsing.outcome(-0.10, -0.30) == 1
    assert parsing.outcome(-0.30, -0.10) == -1
    assert parsing.outcome(-0.10, -0.15) == 0
    assert parsing.outcome(-0.10, -0.149) == 0
    order, best = parsing.query_order({"a": -0.3, "b": -0.1, "c": -0.12})
    assert order == ["b", "c", "a"] and best == ["b", "c"]


def test_rank_models_counts_wins_ties_losses_and_reference_buckets() -> None:
    per_query = [{"a": -0.01, "b": -0.50}, {"a": -0.20, "b": -0.22}, {"a": -0.40, "b": 0.10}]
    standings = parsing.rank_models(per_query)
    rows = {s.model: s for s in standings}
    assert (rows["a"].wins, rows["a"].ties, rows["a"].losses) == (1, 1, 1)
    assert (rows["a"].good, rows["a"].bad) == (1, 2)
    assert (rows["b"].good, rows["b"].bad) == (1, 2)
    assert rows["a"].mean == pytest.approx(-0.61 / 3) and rows["b"].mean == pytest.approx(-0.62 / 3)
    assert [s.model for s in standings] == ["a", "b"]  # equal records: the larger mean ProbDiff first


def test_rewriter_prompt_is_the_reference_text() -> None:
    text = prompts.rewrite_prompt("Q?", "A.")
    assert text.startswith("I want you to act as a Response Rewriter.\nYour goal is to enhance")
    assert "#Given Prompt# and #Given Response#. \nIf you think" in text
    assert text.endswith("#Given Prompt#:\nQ?\n#Given Response#:\nA.\n#Rewritten Response#:\n")
    assert prompts.REFERENCE_PREFIXES["llama2"].format(query="q") == "[INST] q [/INST]"
