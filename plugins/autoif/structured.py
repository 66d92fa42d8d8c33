"""The forms AutoIF's replies must take, as request constraints: backends that decode under a grammar (transformers
with llguidance, vLLM, APIs with structured outputs) then cannot write anything the parsers would refuse.

The constraints only narrow what the reference prompts already ask for: `- ` lines of instructions, the verifier
JSON with `func` and three `cases` whose outputs are booleans ("in (true, false)"), a JSON list of back-translated
instructions, `Score: N` on the last line, one NLI label. The parsers stay the reference's, so a backend that can
only check the reply (`structured: validate`) gives the reference's behaviour. Lengths are capped so that a small
model's runaway string is closed by the grammar instead of filling `max_tokens`. A case's `output` comes before
its `input` (decoders write properties in the schema's order): a small model that has written `true` then writes
an input that passes, while one asked for the input first often mislabelled it ("TESTING" for all lowercase).
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from synthloom import AgentConfig

def instruction_lines(count: int) -> str:
    """At most `count` lines, each starting with '- ' (the augmentation prompt's form; no preamble, no blank line)."""
    return rf"(- [^\n]+\n){{1,{count}}}"


VERIFIER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "func": {"type": "string", "minLength": 30, "maxLength": 400},
        "cases": {
            "type": "array", "minItems": 3, "maxItems": 3,
            "items": {"type": "object", "properties": {"output": {"type": "boolean"},
                                                       "input": {"type": "string", "maxLength": 120}},
                      "required": ["input", "output"], "additionalProperties": False},
        },
    },
    "required": ["func", "cases"],
    "additionalProperties": False,
}


def back_translation_schema(functions: int) -> dict[str, Any]:
    """A JSON list of at most one instruction per function."""
    return {"type": "array", "minItems": 1, "maxItems": functions,
            "items": {"type": "string", "minLength": 5, "maxLength": 200}}


# The paper's judge writes an analysis first; the few-shot judge (completion) only the score line, and may end it
# with a newline: without that choice a base model that writes "Score: 1" and wants a newline is left with "0"
# or an end-of-text it rarely picks, and every 1 became a 10.
SCORE_REGEX_CHAT = r"([^\n]*\n){1,8}Score: (10|[0-9])"
SCORE_REGEX_COMPLETION = r"Score: (10|[0-9])\n?"


class StructuredConfig(AgentConfig):
    structured: bool = Field(default=True, description="constrain replies to the form the stage parses (JSON "
                                                       "schema, regex or choice); off: the reference's free replies")


def constraint(enabled: bool, **fields: Any) -> dict[str, Any]:
    """The request fields of a constraint, or none when the agent's `structured` is off."""
    return fields if enabled else {}
