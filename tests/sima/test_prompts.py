"""SIMA's critic prompt against the reference's own construction, and the cleaned variant."""

from __future__ import annotations

from pathlib import Path

from synthloom.plugins.sima.prompts import CLEAN_CRITIC, REFERENCE_CRITIC, critic_prompt

# The prompt's assignment in prompt_for_critic.py::make_prompts (si0wang/SIMA ac6b97b, Apache-2.0), copied with its
# indentation and line continuations exactly as they are in the loop body; executing it is the reference's
# construction.
REFERENCE_SOURCE = (Path(__file__).parent / "reference_critic_prompt.py.txt").read_text(encoding="utf-8")


def reference_construction() -> str:
    namespace: dict[str, str] = {}
    exec("if True:\n" + REFERENCE_SOURCE.strip("\n"), namespace)  # the 8-space indentation is a block body
    return namespace["prompt"]


def test_the_template_is_the_reference_string_exactly() -> None:
    assert REFERENCE_CRITIC == reference_construction()
    assert len(REFERENCE_CRITIC) == 5929 and REFERENCE_CRITIC.count("{}") == 4


def test_the_whitespace_the_line_continuations_leave() -> None:
    assert "on the image.         Please review" in REFERENCE_CRITIC  # 1 + 8 spaces between sentences
    assert "Example 1:\n         Question: [What could" in REFERENCE_CRITIC  # 9 spaces
    assert "competitive context.          The better AI generated response: [[1]]." in REFERENCE_CRITIC  # 10
    assert "Your task: \n        Question: [{}]\n" in REFERENCE_CRITIC
    assert REFERENCE_CRITIC.endswith("AI generated response 2: [{}]\n        ASSISTANT:\n ")
    first_line = REFERENCE_CRITIC.split("\n")[0]
    assert all(f"{n}. Accuracy in" in first_line for n in (1, 2, 3))  # the three metrics, inline


def test_filling_deletes_newlines_and_puts_the_sampled_answer_first_as_the_reference_does() -> None:
    prompt = critic_prompt("What is\nthis?", "A cat\non a mat.", "sampled\nanswer", "greedy answer")
    tail = prompt.split("Your task: \n")[1]
    assert tail == ("        Question: [What isthis?]\n        Ground truth: [A caton a mat.]\n"
                    "        AI generated response 1: [sampledanswer]\n"
                    "        AI generated response 2: [greedy answer]\n        ASSISTANT:\n ")
    assert prompt == reference_construction().format("What isthis?", "A caton a mat.", "sampledanswer",
                                                     "greedy answer")


def test_fields_with_braces_are_inserted_verbatim() -> None:
    assert "Question: [{x} {}]" in critic_prompt("{x} {}", "g", "a", "b")


def test_the_clean_variant_has_the_same_words_one_source_line_per_line() -> None:
    assert CLEAN_CRITIC.split() == REFERENCE_CRITIC.split()
    assert "  " not in CLEAN_CRITIC and CLEAN_CRITIC.count("\n") == 28
    prompt = critic_prompt("Two\nlines?", "g", "a", "b", compat="clean")
    assert prompt.endswith("Question: [Two lines?]\nGround truth: [g]\nAI generated response 1: [a]\n"
                           "AI generated response 2: [b]\nASSISTANT:")
