"""Checking generated text against a request's constraint (`json_schema`, `regex` or `choice`), on every backend.

Backends that constrain decoding are checked too, because a constrained reply can still be cut short by
`max_tokens` or a stop string, and because some backends (APIs without structured output, `structured: validate`)
only ever check. The result is always recorded on the `Generation` (`parsed` or `schema_error`, and `truncated`)
rather than raised, so that one malformed sample fails only the agent's use of it.
"""

from __future__ import annotations

import json
import re
from typing import Any

from synthloom.backends.base import GenerateRequest, Generation

_DECODER = json.JSONDecoder()


def extract_json(text: str) -> Any:
    """The JSON value in `text`: the whole text, or else the first object or array in it.

    Models often wrap JSON in prose or a code fence; taking the first decodable `{`/`[` value accepts those without
    guessing at formats. Raises ValueError when there is none.
    """
    stripped = text.strip()
    try:
        return json.loads(stripped)
    except json.JSONDecodeError:
        pass
    for start, char in enumerate(stripped):
        if char in "{[":
            try:
                value, _ = _DECODER.raw_decode(stripped, start)
                return value
            except json.JSONDecodeError:
                continue
    raise ValueError("no JSON object or array found in the output")


def describe_constraint(request: GenerateRequest, limit: int = 200) -> str:
    """The constraint as error messages name it: `json_schema {...}`, `regex '...'` or `choice [...]`."""
    if request.json_schema is not None:
        kind, text = "json_schema", json.dumps(request.json_schema, ensure_ascii=False)
    elif request.regex is not None:
        kind, text = "regex", repr(request.regex)
    else:
        kind, text = "choice", json.dumps(request.choice, ensure_ascii=False)
    return f"{kind} {text if len(text) <= limit else text[:limit] + '...'}"


def check_generation(generation: Generation, request: GenerateRequest) -> Generation:
    """`generation` with `parsed` set, or `schema_error` saying why the text does not fit the request's constraint.

    A reply that fails its check after stopping at `max_tokens` is marked `truncated` (a backend that knows its
    grammar's state may have marked it already).
    """
    if not request.structured:
        return generation
    if request.json_schema is not None:
        parsed, error = _check_json(generation.text, request.json_schema)
    else:
        parsed, error = _check_text(generation.text, request.regex, request.choice)
    truncated = generation.truncated or (error is not None and generation.finish_reason == "length")
    if error is not None and truncated:
        error = f"the reply was cut before it was complete; {error}"
    return generation.model_copy(update={"parsed": parsed, "schema_error": error, "truncated": truncated})


def _check_json(text: str, schema: dict[str, Any]) -> tuple[Any, str | None]:
    import jsonschema

    try:
        value = extract_json(text)
    except ValueError as error:
        return None, str(error)
    try:
        jsonschema.validate(value, schema)
    except jsonschema.ValidationError as error:
        where = "/".join(str(p) for p in error.absolute_path) or "(root)"
        return None, f"output does not match the JSON schema at {where}: {error.message}"
    except jsonschema.SchemaError as error:
        return None, f"invalid JSON schema: {error.message}"
    return value, None


def _check_text(text: str, regex: str | None, choice: list[str] | None) -> tuple[str | None, str | None]:
    """The text (or, failing that, the text without surrounding whitespace, which unconstrained APIs add) when it
    matches the whole regex or is one of the choices."""
    for candidate in dict.fromkeys((text, text.strip())):
        if choice is not None and candidate in choice:
            return candidate, None
        if regex is not None:
            try:
                if re.fullmatch(regex, candidate):
                    return candidate, None
            except re.error as error:
                return None, f"the regex does not compile in Python ({error}), so the reply cannot be checked"
    if choice is not None:
        return None, f"output is not one of the {len(choice)} choices: {text[:80]!r}"
    return None, f"output does not match the regex {regex!r}: {text[:80]!r}"
