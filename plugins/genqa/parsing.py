"""GenQA's parse and deduplication rules, pure. The paper released none, so these are ours, written down:

- A reply's numbered lists are its runs of lines "N. item" / "N) item" (a run ends where the numbering starts
  again at 1). A generator prompt that names item N needs a list with at least N items; a reply without one, or
  with a shorter one, is dropped (`no_list`, `short_list`), never asked again.
- The question is the text after the last "Question:" (markdown emphasis around the marker allowed) up to the next
  "Answer:", the answer everything after it. The static-conditional prompt asks for no markers: there, the first
  line ending in "?" is the question and the rest the answer.
- Deduplication is the paper's: exact match on the first two sentences of the question (split after . ! ? and
  whitespace), whitespace-normalised.
- A chosen colour is the first non-empty line after the last "Chosen color:" / "Chosen variant:" heading, without
  numbering, emphasis or a trailing period, lower-cased.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

_NUMBERED = re.compile(r"^\s*(?:[-*]\s*)?\**(\d+)\**[.)]\**\s*(.+?)\s*$")
_QUESTION = re.compile(r"[*_#\s]*question\s*[*_]*\s*:\s*[*_]*", re.IGNORECASE)
_ANSWER = re.compile(r"[*_#\s]*answer\s*[*_]*\s*:\s*[*_]*", re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Drop:
    """Why a reply gives no pair: a stable code and the detail in words."""

    reason: str
    detail: str


@dataclass(frozen=True)
class QA:
    question: str
    answer: str


def numbered_lists(text: str) -> list[list[str]]:
    """The reply's numbered lists, in order, each as its items."""
    lists: list[list[str]] = []
    last = 0
    for line in text.splitlines():
        found = _NUMBERED.match(line)
        if not found:
            continue
        number = int(found.group(1))
        if number == 1 or not lists or number != last + 1:
            lists.append([])
        lists[-1].append(found.group(2))
        last = number
    return [items for items in lists if items]


def check_lists(text: str, needed: Sequence[int]) -> Drop | None:
    """None when the reply has a list per needed index, each long enough (`needed` = the N, N1, N2 asked for)."""
    lists = [items for items in numbered_lists(text) if len(items) > 1]
    if not lists:
        return Drop("no_list", "the reply has no numbered list")
    if len(lists) < len(needed):
        return Drop("no_list", f"the reply has {len(lists)} numbered list(s), the prompt asks for {len(needed)}")
    for position, (items, wanted) in enumerate(zip(lists, needed), 1):
        if len(items) < wanted:
            return Drop("short_list", f"list {position} has {len(items)} items; the prompt names item {wanted}")
    return None


def parse_qa(text: str, markers: bool = True) -> QA | Drop:
    """The question and answer of a reply (see the module docstring for the rules)."""
    questions = list(_QUESTION.finditer(text))
    if questions:
        rest = text[questions[-1].end():]
        answer = _ANSWER.search(rest)
        if answer is None:
            return Drop("no_answer", "the reply has a question but no \"Answer:\" after it")
        return _pair(rest[:answer.start()], rest[answer.end():])
    if markers:
        return Drop("no_question", "the reply has no \"Question:\" marker")
    lines = text.strip().splitlines()
    for index, line in enumerate(lines):
        if line.rstrip().endswith("?"):
            return _pair(line, "\n".join(lines[index + 1:]))
    return Drop("no_question", "the reply has no line ending in a question mark")


def _pair(question: str, answer: str) -> QA | Drop:
    question, answer = question.strip(), answer.strip()
    if not question:
        return Drop("no_question", "the question is empty")
    if not answer:
        return Drop("no_answer", "the answer is empty")
    return QA(question, answer)


def dedup_key(question: str) -> str:
    """The paper's deduplication key: the question's first two sentences, whitespace-normalised."""
    sentences = _SENTENCE_END.split(_SPACE.sub(" ", question).strip())
    return " ".join(sentences[:2])


def chosen_item(text: str, headings: Sequence[str]) -> str | None:
    """The item printed after the last of `headings` (e.g. "Chosen variant:", then "Chosen color:"), normalised;
    None when no heading or no line follows it."""
    lower = text.lower()
    for heading in headings:
        at = lower.rfind(heading.lower())
        if at < 0:
            continue
        for line in text[at + len(heading):].splitlines():
            item = _clean_item(line)
            if item:
                return item
        return None
    return None


def _clean_item(line: str) -> str:
    found = _NUMBERED.match(line)
    item = found.group(2) if found else line
    return item.strip("*_#`\"'. \t").lower()
