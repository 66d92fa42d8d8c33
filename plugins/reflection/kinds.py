"""Message kinds of the reflection plugin.

The reflected pairs themselves are `selection.sample` messages (variant "instruction", "response" or "both"), so
that the student selector scores them like any sample. What the teacher said, and whether its reply was usable, is
kept here for auditing.
"""

from __future__ import annotations

from typing import Literal

from synthloom import Message


class Reflection(Message):
    """One teacher reflection: the raw reply(ies), what was taken from it, and why anything was not.

    `status` is "reflected" when every field came from the teacher, "partial" when one fell back to the original
    (the reference keeps such pairs), and "fallback" when the sample was kept as it was.
    """

    kind: str = "reflection.reflection"
    direction: Literal["instruction", "response"]
    sample_id: str
    origin: str
    replies: list[str]
    status: Literal["reflected", "partial", "fallback"]
    problems: list[str]
    instruction: str
    input: str
    output: str
