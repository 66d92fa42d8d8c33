"""GenQA's generator prompts (Chen et al., "GenQA: Generating Millions of Instructions from a Handful of Prompts",
arXiv 2406.10323, section 3 and the colour experiment), quoted as the method. No generation code was released; the
texts were transcribed from the paper through a reading note and cross-checked with an independent reuse of the
generator-uniform prompt and the booster list (docs/genqa.md). The transcription has typos ("folllowed", "nmber",
"subopics", "teh", "wiht") that may be the paper's own; `TYPOS` restores them for byte-exact reproduction, and the
fixed spelling is the default.

List sizes are fields ({size}, {size1}, {size2}) so that a small model can be given shorter lists; the paper's are
the defaults (100 colours; 40 subtopics; 60 topics and 60 subtopics). The booster ("Be creative") closes the
generator prompts; it is a parameter (`None` leaves it out).
"""

from __future__ import annotations

import re
from typing import Literal

Variant = Literal["static", "static_conditional", "generator_conditional", "generator_nested", "generator_uniform"]
ColourVariant = Literal["static", "generator", "nested"]

STATIC = 'Write a random complex question and its long answer. Begin your question with "Question:" and your answer ' \
         'with "Answer:"'
STATIC_CONDITIONAL = ("Write a complex question from the domain {random_topic}. Then write the long answer. Your "
                      "question should not contain the question {random_topic}")
GENERATOR_CONDITIONAL = (
    "List {size} subtopics in the domain of {random_topic}. State subtopic {N}. Then write a question that's not "
    "about subtopic {N}, but can only be answered with expertise in subtopic {N}, and then write the answer. Both "
    "the question and answer should be long. The name of the subtopic should not appear in the question. Begin your "
    'questions with "Question:" and your answer with "Answer:".')
GENERATOR_NESTED = (
    "List {size1} topics that you can answer questions about. State topic {N1}. Then write {size2} subtopics about "
    "topic {N1}. Then state subtopic {N2}. Then write a question that is not about subtopic {N2}, but can only be "
    "answered with expertise about subtopic {N2}. Then write the answer. Both the question and answer should be "
    "long. The name of the subtopic {N2} shouldn't appear in the question, and none of the words in subtopic {N2} "
    'should be reused in the question. Begin your questions with "Question:" and your answer with "Answer:".')
GENERATOR_UNIFORM = (
    "List {size1} topics that you can answer questions about. Choose a topic uniformly from this list, and state "
    "it. Then write {size2} subtopics about the chosen topic. Then choose a subtopic uniformly from this list, and "
    "state it. Then write a question that is not about the subtopic, but can only be answered with expertise in the "
    "subtopic. Then write the answer. Both the question and answer should be long. The name of the subtopic should "
    "not appear in the question, and none of the words in subtopic should be reused in the question. Begin your "
    'questions with "Question:" and your answer with "Answer:".')

TEMPLATES: dict[str, str] = {
    "static": STATIC,
    "static_conditional": STATIC_CONDITIONAL,
    "generator_conditional": GENERATOR_CONDITIONAL,
    "generator_nested": GENERATOR_NESTED,
    "generator_uniform": GENERATOR_UNIFORM,
}
# The paper's list sizes per variant: (first list, second list).
SIZES: dict[str, tuple[int, int]] = {"generator_conditional": (40, 0), "generator_nested": (60, 60),
                                     "generator_uniform": (60, 60)}
# The variants whose prompt ends with the booster in the paper.
BOOSTED = ("generator_conditional", "generator_nested", "generator_uniform")

# The booster study's phrases (with the typographic apostrophe of the source).
BOOSTERS = ("Be creative", "Be different", "Be smart", "Be weird", "Don\u2019t ask the first thing you think of",
            "Be creative and don\u2019t ask the first thing you think of")
DEFAULT_BOOSTER = "Be creative"

# The diversity experiment: "state a random colour", 1,000 calls per prompt (Gemini Pro: 33, 383, 782 distinct).
COLOUR_STATIC = "State a random color"
COLOUR_GENERATOR = ('First, print the heading "Colors:", followed by a numbered list of {size} colors. Then, print '
                    'the heading "Chosen color:". Then print the color number {N} on a line by itself.')
COLOUR_NESTED = (
    COLOUR_GENERATOR.replace("{N}", "{N1}") + '\nThen, print the heading "Color variants:". Then print a numbered '
    "list of {size2} different color variants that look like color number {N1}, and don't appear on the original "
    '"Colors:" list.\nThen, print the heading "Chosen variant:".\nThen print the color variant number {N2} on the '
    "line itself.")
COLOUR_TEMPLATES = {"static": COLOUR_STATIC, "generator": COLOUR_GENERATOR, "nested": COLOUR_NESTED}

TYPOS = (("followed", "folllowed"), ("color number {N}", "color nmber {N}"), ("subtopics in", "subopics in"),
         ("name of the subtopic should not", "name of teh subtopic should not"), ("with expertise in the",
                                                                                 "wiht expertise in teh"))

_FIELD = re.compile(r"\{(\w+)\}")


def fill(template: str, values: dict[str, object], *, booster: str | None = None, typos: bool = False) -> str:
    """The prompt for one call: fields filled in one pass, the booster appended as a sentence."""
    if typos:
        for fixed, transcribed in TYPOS:
            template = template.replace(fixed, transcribed)
    text = _FIELD.sub(lambda m: str(values.get(m.group(1), m.group(0))), template)
    return f"{text} {booster.rstrip('.')}." if booster else text
