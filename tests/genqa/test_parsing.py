"""GenQA's parse and deduplication rules, prompts and plans, against hand-checked values."""

from __future__ import annotations

import pytest

from synthloom.plugins.genqa import generation, parsing, prompts
from synthloom.plugins.genqa.parsing import QA, Drop


def test_numbered_lists_and_their_checks() -> None:
    text = "Topics:\n1. a\n2. b\n3) c\nState topic 2.\n1. x\n2. y\n**3.** z\nQuestion: q?\nAnswer: a"
    assert parsing.numbered_lists(text) == [["a", "b", "c"], ["x", "y", "z"]]
    assert parsing.check_lists(text, [3, 3]) is None
    assert parsing.check_lists(text, [2, 4]) == Drop("short_list", "list 2 has 3 items; the prompt names item 4")
    assert parsing.check_lists("Question: q?\nAnswer: a", [7]).reason == "no_list"  # type: ignore[union-attr]
    assert parsing.check_lists(text, [1, 1, 1]).reason == "no_list"  # type: ignore[union-attr]
    assert parsing.check_lists("1. only one", [1]).reason == "no_list"  # type: ignore[union-attr]


@pytest.mark.parametrize("reply, expected", [
    ("List...\nQuestion: What is X?\nAnswer: X is Y.", QA("What is X?", "X is Y.")),
    ("**Question:** Q1?\n**Answer:** A1\n\n**Question:** Q2?\n**Answer:** A2", QA("Q2?", "A2")),
    ("## Question: Why?\n## Answer:\nBecause.", QA("Why?", "Because.")),
    ("Question: Why?", Drop("no_answer", "the reply has a question but no \"Answer:\" after it")),
    ("Question: \nAnswer: yes", Drop("no_question", "the question is empty")),
    ("Question: Why?\nAnswer:  ", Drop("no_answer", "the answer is empty")),
    ("Just prose.", Drop("no_question", "the reply has no \"Question:\" marker")),
])
def test_parse_qa(reply: str, expected: QA | Drop) -> None:
    assert parsing.parse_qa(reply) == expected


def test_static_conditional_replies_have_no_markers() -> None:
    assert parsing.parse_qa("How do tides work?\n\nThe moon pulls.", markers=False) == QA("How do tides work?",
                                                                                         "The moon pulls.")
    assert parsing.parse_qa("No question here.", markers=False).reason == "no_question"  # type: ignore


def test_dedup_key_is_the_first_two_sentences() -> None:
    assert parsing.dedup_key("Why is the sky blue? Explain  it.\nThen more. And more!") == \
        "Why is the sky blue? Explain it."
    assert parsing.dedup_key("One sentence") == "One sentence"
    a = "What is entropy? Use physics. Be brief."
    b = "What is entropy? Use physics. Be thorough."
    assert parsing.dedup_key(a) == parsing.dedup_key(b)


def test_chosen_item() -> None:
    reply = "Colors:\n1. Red\n2. Blue\nChosen color:\n2. **Blue**.\n"
    assert parsing.chosen_item(reply, ["Chosen variant:", "Chosen color:"]) == "blue"
    assert parsing.chosen_item("Chosen color: Teal", ["Chosen color:"]) == "teal"
    assert parsing.chosen_item("Chosen variant:\n1. Sky blue\n", ["Chosen variant:", "Chosen color:"]) == "sky blue"
    assert parsing.chosen_item("Red", ["Chosen color:"]) is None
    assert parsing.chosen_item("Chosen color:\n \n", ["Chosen color:"]) is None


def test_prompts_fill_boosters_and_typos() -> None:
    text = prompts.fill(prompts.GENERATOR_CONDITIONAL, {"size": 40, "N": 7, "random_topic": "{chemistry}"},
                        booster="Be creative")
    assert text.startswith("List 40 subtopics in the domain of {chemistry}. State subtopic 7.")
    assert text.endswith('your answer with "Answer:". Be creative.')
    typos = prompts.fill(prompts.COLOUR_GENERATOR, {"size": 100, "N": 3}, typos=True)
    assert "folllowed" in typos and "color nmber 3" in typos
    nested = prompts.fill(prompts.COLOUR_NESTED, {"size": 100, "size2": 100, "N1": 9, "N2": 4})
    assert "color number 9 on a line by itself" in nested and nested.endswith("number 4 on the line itself.")


def test_plans_are_fixed_by_seed_and_call_and_in_range() -> None:
    settings = generation.Settings(variant="generator_nested", sizes=(5, 4))
    calls = [generation.plan(settings, 7, n) for n in range(50)]
    assert calls == [generation.plan(settings, 7, n) for n in range(50)]
    assert {c.n1 for c in calls} == {1, 2, 3, 4, 5} and {c.n2 for c in calls} == {1, 2, 3, 4}
    assert all(c.prompt.endswith("Be creative.") and c.topic is None for c in calls)
    conditional = generation.Settings(variant="generator_conditional", topics=("math", "art"))
    found = generation.plan(conditional, 0, 0)
    assert found.topic in ("math", "art") and 1 <= found.n1 <= 40 and found.n2 is None  # type: ignore[operator]
    static = generation.plan(generation.Settings(variant="static"), 0, 0)
    assert static.prompt == prompts.STATIC and static.booster is None
    boosted = generation.plan(generation.Settings(variant="static", random_booster=True), 0, 1)
    assert boosted.booster in prompts.BOOSTERS
