"""A replay "base model" for CLEAR that knows the right answers (`RIGHT`): it samples them, approves responses that
match them in reflection, labels any two different answers a contradiction, and as a judge prefers a candidate
over a wrong response. "Mystery?" gets reflection replies without a letter."""

from __future__ import annotations

import re

from synthloom import GenerateRequest, GenerateResponse, Generation

RIGHT = {"2+2?": "4", "Capital of France?": "Paris", "Colour of the sky?": "blue", "Mystery?": "42"}
SAMPLED = re.compile(r"\+ Question: (.*)$", re.S)
REFLECTION = re.compile(r"^Question: (.*?), Proposed Answer: (.*?)\. (Is|Are)", re.S)


def reply(request: GenerateRequest) -> GenerateResponse:
    text = request.messages[-1].content if request.messages else request.prompt or ""
    return GenerateResponse(generations=[Generation(text=_answer(text))] * request.n)


def _answer(text: str) -> str:
    if "Answer with one word: entailment, neutral or contradiction" in text:
        return "contradiction"
    reflection = REFLECTION.match(text)
    if reflection:
        question, proposed = reflection.group(1), reflection.group(2)
        if question.startswith("Question:"):  # a judge's verdict: the judge stands by "yes"
            return "explanation: checked, answer: A" if proposed == "yes" else "explanation: hm, answer: B"
        if question == "Mystery?":
            return "I would rather not say."
        return "explanation: checked, answer: A" if RIGHT.get(question) == proposed else "answer: (B)"
    sampled = SAMPLED.search(text)
    if sampled:
        question = sampled.group(1)
        if question.startswith("Question:"):  # the auto-correct judge: B is better when A is wrong
            found = re.search(r"Question: (.*)\nResponse A: (.*)\nResponse B:", question, re.S)
            right = RIGHT.get(found.group(1)) if found else None
            return "explanation: compared, answer: (A) Yes" if found and found.group(2) != right else \
                "explanation: compared, answer: (B) No"
        return f"explanation: step by step, answer: {RIGHT.get(question, 'no idea')}"
    return "Paris"
