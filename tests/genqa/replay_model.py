"""A replay generator for GenQA that follows the nested prompt: it lists the topics and subtopics it was asked for
and writes a question about (N1, N2). Topic 5 gets a reply without lists, subtopic 4 a second list one item short.
A colour prompt gets a list and the colour it names."""

from __future__ import annotations

import re

from synthloom import GenerateRequest, GenerateResponse, Generation

NUMBERS = re.compile(r"List (\d+) topics .*?State topic (\d+)\. Then write (\d+) subtopics .*?state subtopic (\d+)\.",
                     re.S)
COLOUR = re.compile(r"numbered list of (\d+) colors.*?color number (\d+)", re.S)


def reply(request: GenerateRequest) -> GenerateResponse:
    text = request.messages[-1].content if request.messages else request.prompt or ""
    return GenerateResponse(generations=[Generation(text=_reply(text))] * request.n)


def _reply(text: str) -> str:
    colour = COLOUR.search(text)
    if colour:
        size, n = int(colour.group(1)), int(colour.group(2))
        listed = "\n".join(f"{i}. colour{i}" for i in range(1, size + 1))
        return f"Colors:\n{listed}\nChosen color:\n{n}. Colour{n}."
    if text.startswith("State a random color"):
        return "Blue."
    found = NUMBERS.search(text)
    if found is None:
        return "I cannot do that."
    size1, n1, size2, n2 = (int(g) for g in found.groups())
    if n1 == 5:
        return f"**Question:** Why does topic {n1} matter?\n**Answer:** It does."
    topics = "\n".join(f"{i}. topic {i}" for i in range(1, size1 + 1))
    short = 1 if n2 == 4 else 0
    subtopics = "\n".join(f"{i}) sub {i}" for i in range(1, size2 + 1 - short))
    return (f"{topics}\nTopic {n1}.\n{subtopics}\nSubtopic {n2}.\n**Question:** Why does topic {n1} matter? "
            f"Consider subtopic {n2}. Extra words {n1 * 10 + n2}.\n**Answer:** Because it is long.")
