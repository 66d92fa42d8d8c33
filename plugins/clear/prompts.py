"""CLEAR's prompts. CLEAR (arXiv 2403.12776) scores confidence with BSDetector (arXiv 2308.16175), whose prompts
are printed in that paper's Figure 6 (each as one paragraph; the placeholders there are "[User Provided]" and
"[User/LLMs Provided]"). No official code exists; the texts below agree with every open reimplementation compared
(cvs-health/uqlm, Apache-2.0, and several unlicensed ones listed in docs/clear.md).

CLEAR's auto-correct judge prompt (its Table 1) could not be retrieved: `JUDGE` is ours, labelled as such, and is a
parameter of the agents.
"""

from __future__ import annotations

import re

# Figure 6a: the template each observed-consistency sample is drawn with. " + Question:" is written as the paper
# writes the concatenation.
SAMPLE = ("Please strictly use the following template to provide answer: explanation: [insert step-by-step "
          "analysis], answer: [provide your answer] + Question: {question}")

# Figure 6b: the two self-reflection questions, asked as two independent calls.
REFLECTIONS = (
    "Question: {question}, Proposed Answer: {answer}. Is the proposed answer: (A) Correct (B) Incorrect (C) I am not "
    "sure. The output should strictly use the following template: explanation: [insert analysis], answer: [choose "
    "one letter from among choices A through C]",
    "Question: {question}, Proposed Answer: {answer}. Are you really sure the proposed answer is correct? Choose "
    "again: (A) Correct (B) Incorrect (C) I am not sure. The output should strictly use the following template: "
    "explanation: [insert analysis], answer: [choose one letter from among choices A through C]",
)

# OURS (not from the paper): the auto-correct judge. BSDetector scores the confidence that "Yes" answers it.
JUDGE = ("Question: {prompt}\nResponse A: {original}\nResponse B: {candidate}\nIs Response B better than Response "
         "A? Answer with (A) Yes or (B) No.")
JUDGE_PROPOSAL = "Yes"


_FIELD = re.compile(r"\{(\w+)\}")


def fill(template: str, **values: str) -> str:
    """Fill `{name}` fields in one pass, so that braces inside the values (code, JSON) are left alone."""
    return _FIELD.sub(lambda m: values.get(m.group(1), m.group(0)), template)


def sample_prompt(question: str, template: str = SAMPLE) -> str:
    return fill(template, question=question)


def reflection_prompts(question: str, answer: str) -> list[str]:
    return [fill(t, question=question, answer=answer) for t in REFLECTIONS]


def judge_question(prompt: str, original: str, candidate: str, template: str = JUDGE) -> str:
    return fill(template, prompt=prompt, original=original, candidate=candidate)
