"""SIMA's verdict and pair rules against hand-checked values, the reference's two worked demonstrations among them."""

from __future__ import annotations

import pytest

from synthloom.plugins.sima import parsing
from synthloom.plugins.sima.prompts import REFERENCE_LINES, critic_prompt

# The demonstrations' answers, as the reference's prompt writes them (REFERENCE_LINES 13-14 and 21-22).
DEMO_1 = REFERENCE_LINES[13] + "        " + REFERENCE_LINES[14]
DEMO_2 = REFERENCE_LINES[21] + "        " + REFERENCE_LINES[22]


def test_the_worked_demonstrations_parse_to_their_verdicts() -> None:
    assert DEMO_1.startswith("The reason: AI generated response 1 is more aligned") and DEMO_1.endswith("[[1]].\n")
    assert parsing.verdict(DEMO_1) == "1" and parsing.verdict(DEMO_2) == "2"
    assert parsing.preferred(DEMO_1, "sampled_first") == "sampled"  # response 1 is the sampled answer
    assert parsing.preferred(DEMO_2, "sampled_first") == "greedy"
    assert parsing.preferred(DEMO_1, "greedy_first") == "greedy"


@pytest.mark.parametrize("reply, found, winner", [
    ("The better AI generated response: [[2]].", "2", "greedy"),
    ("[[1]] at first, but on reflection [[2]]", "2", "greedy"),       # the last [[ wins
    ("[[ 1 ]]", " 1 ", None),                                           # no strip
    ("[[01]]", "01", None),                                             # no int cast
    ("Response 1 is better.", "Response 1 is better.", None),           # no [[: the whole reply
    ("1", "1", "sampled"),                                              # ... which may be a bare verdict
    ("2]] and more", "2", "greedy"),
    ("[[1", "1", "sampled"),                                            # an unclosed [[ still reads to the end
    ("", "", None),
])
def test_the_reference_rule_on_malformed_and_odd_replies(reply: str, found: str, winner: str | None) -> None:
    assert parsing.verdict(reply) == found
    assert parsing.preferred(reply, "sampled_first") == winner


def test_decisions_and_their_drop_reasons() -> None:
    assert parsing.decide(["greedy"]) == "greedy"
    assert parsing.decide(["sampled", "sampled"]) == "sampled"
    assert parsing.decide([None])[0] == "no_verdict"
    assert parsing.decide(["greedy", None]) == ("no_verdict", "1 of 2 critic replies had no [[1]] or [[2]] verdict")
    assert parsing.decide(["greedy", "sampled"])[0] == "position_inconsistent"


def test_pairs_keep_the_answers_verbatim() -> None:
    assert parsing.chosen_rejected("greedy", "G\nline", "S") == ("G\nline", "S")
    assert parsing.chosen_rejected("sampled", "G", "S\nline") == ("S\nline", "G")


def test_the_dpo_question_is_the_newline_free_one_under_reference() -> None:
    assert parsing.dpo_question("What is\nthis?", "reference") == "What isthis?"
    assert parsing.dpo_question("What is\nthis?", "clean") == "What is\nthis?"
    # ... which is exactly what the reference recovers from its critic prompt
    prompt = critic_prompt("What is\nthis? [see] it", "g", "a", "b")
    assert parsing.question_from_critic_prompt(prompt) == parsing.dpo_question("What is\nthis? [see] it", "reference")
