from __future__ import annotations

import pytest

from synthloom.plugins.reflection.parsing import (
    better_answers,
    is_refusal,
    new_answer,
    new_instruction,
    parse_instruction_reflection,
    parse_response_reflection,
)

FULL = ("1. The instruction is vague.\n2. [New Instruction] Compare two sorting algorithms. [End]\n"
        "3. [New Answer] Merge sort is stable; quicksort is not. [End]")


def test_tagged_blocks() -> None:
    parsed = parse_instruction_reflection(FULL)
    assert parsed.instruction == "Compare two sorting algorithms."
    assert parsed.output == "Merge sort is stable; quicksort is not."
    assert parsed.problems == ()


def test_colon_style_and_missing_end_tags() -> None:
    text = "New Instruction: Prove it.\nNew Answer: Because of the lemma."
    assert new_instruction(text) == "Prove it."
    assert new_answer(text) == "Because of the lemma."


def test_an_instruction_block_left_open_stops_at_the_next_block() -> None:
    assert new_instruction("[New Instruction] Do X.\n\n[New Answer] Y") == "Do X."
    # Left open up to the criteria's item "3.", whose number the reference strips.
    assert new_instruction("[New Instruction] Do X.\n\n3.[End]") == "Do X."


def test_reply_without_tags_falls_back_entirely() -> None:
    parsed = parse_instruction_reflection("This instruction is fine as it is.")
    assert parsed.instruction is None and parsed.output is None and not parsed.usable
    assert "no new instruction block" in parsed.problems


@pytest.mark.parametrize("answer, problem", [
    ("your answer", "placeholder"),
    ("N/A", "placeholder"),
    ("I'm sorry, but I can't help with that.", "refusal"),
])
def test_unusable_answers_keep_the_original_answer(answer: str, problem: str) -> None:
    parsed = parse_instruction_reflection(f"[New Instruction] Harder task. [End] [New Answer] {answer} [End]")
    assert parsed.instruction == "Harder task." and parsed.output is None
    assert any(problem in p for p in parsed.problems)


def test_placeholder_instruction_keeps_the_original_instruction() -> None:
    parsed = parse_instruction_reflection("[New Instruction] your instruction [End] [New Answer] Fine. [End]")
    assert parsed.instruction is None and parsed.output == "Fine." and parsed.usable


def test_better_answer_blocks() -> None:
    assert better_answers("1. Terse.\n2. [Better Answer] A full answer. [End]") == ["A full answer."]
    assert better_answers("[Better Answer] Unclosed to the end") == ["Unclosed to the end"]
    # The reference's quirks: a block runs to the next one's tag, which that match then consumes; and a bare "End"
    # closes a block when there is only one.
    assert better_answers("[Better Answer] One [Better Answer] Two [End]") == ["One"]
    assert better_answers("[Better Answer] One [End] [Better Answer] Two [End]") == ["One", "Two"]
    assert better_answers("[Better Answer] Fine. End of answer.") == ["Fine."]


def test_response_reflection_needs_exactly_one_block() -> None:
    assert parse_response_reflection("[Better Answer] Better. [End]").output == "Better."
    twice = parse_response_reflection("[Better Answer] A [End] [Better Answer] B [End]")
    assert twice.output is None and "2 [Better Answer] blocks" in twice.problems[0]
    assert parse_response_reflection("no tags here").output is None


def test_refusals() -> None:
    assert is_refusal("As an AI language model, I cannot browse.")
    assert is_refusal("  I cannot provide that.")
    assert not is_refusal("I can explain: water boils at 100 °C at sea level.")
    assert parse_response_reflection("[Better Answer] Sorry, I can't do that. [End]").output is None
