"""Reading the teacher's tagged blocks, with the reference post-processing's fallbacks.

Teachers do not always follow the format: they write `New Instruction:` instead of `[New Instruction]`, forget
`[End]`, repeat a block, echo the placeholder ("your answer"), or refuse. The regular expressions and placeholder
checks are those of `reflect_instruction_postprocess.py` and `reflect_response_postprocess.py`; refusals are
recognised here too, since a refusal passed off as a "better answer" is worse than the original.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_REFUSAL = re.compile(
    r"^\s*(?:I'm sorry|I am sorry|Sorry,|I apologi[sz]e|I cannot|I can't|I can not|I'm unable|I am unable|"
    r"I won't|I will not|As an AI\b|As a language model)",
    re.IGNORECASE,
)


# The tagged replies as regexes, for backends that decode under one: free analysis without brackets, then the
# blocks the parsers below read.
INSTRUCTION_REPLY = r"[^\[]*\[New Instruction\][^\[]+\[End\]\s*\[New Answer\][^\[]+\[End\]"
RESPONSE_REPLY = r"[^\[]*\[Better Answer\][^\[]+\[End\]"


def is_refusal(text: str) -> bool:
    return bool(_REFUSAL.match(text))


def _first_segment(pattern: str, text: str) -> str:
    segments = re.findall(pattern, text, re.DOTALL)
    return segments[0][1].strip() if segments else ""


def new_instruction(text: str) -> str:
    if "[New Instruction]" in text:
        pattern = r"(\[New Instruction\])(.*?)(\[End\]|\[New Answer\]|New Answer:)"
    else:
        pattern = r"(New Instruction:)(.*?)(\[End\]|\[New Answer\]|New Answer:)"
    found = _first_segment(pattern, text)
    # A block left open runs into the criteria's next item number.
    return found[:-4] if found.endswith("\n\n3.") else found


def new_answer(text: str) -> str:
    if "[New Answer]" in text:
        return _first_segment(r"(\[New Answer\])(.*?)(\[End\]|$)", text)
    return _first_segment(r"(New Answer:)(.*?)(\[End\]|$)", text)


def better_answers(text: str) -> list[str]:
    """Every [Better Answer] block; the reference accepts a reply only when there is exactly one."""
    if text.count("[Better Answer]") >= 2:
        pattern = r"\[(Better Answer)\](.*?)(\[End\]|\[Better Answer\]|$)"
    else:
        pattern = r"\[(Better Answer)\](.*?)(\[End\]|End|$)"
    return [segment[1].strip() for segment in re.findall(pattern, text, re.DOTALL)]


@dataclass(frozen=True)
class Parsed:
    """What a reply yields: the new text per field (None: keep the original), and why a field was not taken."""

    instruction: str | None
    output: str | None
    problems: tuple[str, ...]

    @property
    def usable(self) -> bool:
        """The reference asks again when nothing at all was extracted."""
        return self.instruction is not None or self.output is not None


def _check(value: str, field: str, placeholder: str, extra_bad: tuple[str, ...] = ()) -> tuple[str | None, str | None]:
    if value == "":
        return None, f"no {field} block"
    if placeholder in value or any(bad in value for bad in extra_bad):
        return None, f"{field} is the format's placeholder"
    if is_refusal(value):
        return None, f"{field} is a refusal"
    return value, None


def parse_instruction_reflection(text: str) -> Parsed:
    """A new instruction and its answer; each falls back to the original on its own, as in the reference."""
    instruction, why_i = _check(new_instruction(text), "new instruction", "your instruction")
    output, why_o = _check(new_answer(text), "new answer", "your answer", extra_bad=("N/A",))
    return Parsed(instruction, output, tuple(w for w in (why_i, why_o) if w))


def parse_response_reflection(text: str) -> Parsed:
    blocks = better_answers(text)
    if len(blocks) != 1:
        return Parsed(None, None, (f"{len(blocks)} [Better Answer] blocks (exactly one is needed)",))
    output, why = _check(blocks[0], "better answer", "your answer")
    return Parsed(None, output, (why,) if why else ())
