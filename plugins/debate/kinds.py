"""Message kinds of the debate plugin.

A debate is a chain of messages: `debate.topic` -> `debate.arguments` (one per topic and side) -> `debate.turn` x
2 x rounds (one per turn, each the child of the turn before) -> `debate.conclusion`, the training data. Every turn
carries the transcript before it, so that the debaters stay stateless (a resumed campaign continues any debate from
its last stored turn), and its lineage, so that one recursive SQL query rebuilds the debate behind any statement.
`debate` names the debate (`<arguments id>/<argument number>`) in every turn and conclusion, and is the `subject` of
a debate's dropped item.

Scoring: `debate.response` (any model's answer to a test prompt) and `debate.conclusion` are judged into
`debate.judgement`; `debate.cc_report` holds the CC metric over all judgements.
"""

from __future__ import annotations

from typing import Any, Literal

from synthloom import Message
from synthloom.plugins.debate.cc import CCScores
from synthloom.plugins.debate.parsing import JudgeStatus

Side = Literal["affirmative", "negative"]


class Topic(Message):
    """A debate topic, with the arguments given for a side (None: that side's debater lists its own)."""

    kind: str = "debate.topic"
    topic: str
    affirmative: list[str] | None = None
    negative: list[str] | None = None


class Arguments(Message):
    """The arguments one side debates: given with the topic (`rule` "given"), or listed by the side's debater
    (`reply`) and parsed by `rule`. `spare` holds the usable ones beyond `arg_num`, which are not debated."""

    kind: str = "debate.arguments"
    topic: str
    side: Side
    arguments: list[str]
    spare: list[str] = []
    rule: str
    model: str = ""
    reply: str = ""


class Turn(Message):
    """Turn `turn` (1-based) of the debate on `argument`, which the holder of `side` opened. `speaker` says who
    spoke (and `stance` on which side), `transcript` holds the turns before this one."""

    kind: str = "debate.turn"
    debate: str
    topic: str
    side: Side
    argument: str
    turn: int
    speaker: Literal["holder", "opponent"]
    stance: Side
    model: str
    text: str
    truncated: bool = False
    transcript: list[str]


class Conclusion(Message):
    """The watcher's final statement for `side` on `argument`, written from the whole debate without mentioning it;
    `instruction` is paraphrase number `template` (0-10) of the reference's, drawn from the campaign's seed."""

    kind: str = "debate.conclusion"
    debate: str
    topic: str
    side: Side
    argument: str
    statement: str
    instruction: str
    template: int
    model: str
    truncated: bool = False
    transcript: list[str]

    def to_sft(self) -> dict[str, Any]:
        return {"messages": [{"role": "user", "content": self.instruction},
                             {"role": "assistant", "content": self.statement}]}

    def to_alpaca(self) -> dict[str, Any]:
        return {"instruction": self.instruction, "input": "", "output": self.statement}


class Response(Message):
    """A model's answer to a debate test prompt, to be scored for controllability."""

    kind: str = "debate.response"
    topic: str
    side: Side
    response: str
    argument: str = ""
    instruction: str = ""


class Judgement(Message):
    """The judge's reading of one response: (support, oppose) percentages, `status` of its first line, and whether
    the requested side got exactly 100 (`controlled`)."""

    kind: str = "debate.judgement"
    topic: str
    side: Side
    argument: str
    response: str
    support: float | None
    oppose: float | None
    status: JudgeStatus
    controlled: bool
    review: str
    model: str


class CCReport(CCScores, Message):
    """The CC metric over every judgement the agent saw."""

    kind: str = "debate.cc_report"
