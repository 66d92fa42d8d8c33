"""A replay "model" for ProbDiff: answers and revisions by rule, and log-probabilities that depend only on the text,
so that every ProbDiff value can be worked out by hand.

Answers are "answer to <query>"; a revision of a text T is "better T", except for the query "refuse" (the revision is
"I'm sorry, I cannot rewrite that.") and "blank" (an empty revision). A scored token's log-probability is -0.1 per
word of the continuation (each word one "token"), minus 1.0 for each word "better" in it.
"""

from __future__ import annotations

import re
from typing import Any

from synthloom import GenerateRequest, GenerateResponse, Generation, ScoreRequest

REWRITE = re.compile(r"#Given Prompt#:\n(.*)\n#Given Response#:\n(.*)\n#Rewritten Response#:", re.S)


def reply(request: GenerateRequest) -> GenerateResponse:
    text = request.messages[-1].content if request.messages else request.prompt or ""
    found = REWRITE.search(text)
    if found is None:
        answer = f"answer to {text}"
    elif found.group(1) == "refuse":
        answer = "I'm sorry, I cannot rewrite that."
    elif found.group(1) == "blank":
        answer = ""
    else:
        answer = f"better {found.group(2)}"
    return GenerateResponse(generations=[Generation(text=answer)] * request.n)


def logprob(word: str) -> float:
    return -0.1 - (1.0 if word == "better" else 0.0)


def score(request: ScoreRequest) -> dict[str, Any]:
    words = request.continuation.split()
    return {"tokens": words, "logprobs": [logprob(w) for w in words]}
