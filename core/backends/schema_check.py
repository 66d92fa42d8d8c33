"""Checking generated text against a request's JSON schema, for backends that cannot constrain decoding.

Even backends that do constrain decoding are checked, because a constrained output can still be cut short by
`max_tokens`; the result is always recorded on the `Generation` (`parsed` or `schema_error`) rather than raised,
so that one malformed sample fails only the agent's use of it.
"""

from __future__ import annotations

import json
from typing import Any

from synthloom.backends.base import Generation

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


def check_generation(generation: Generation, schema: dict[str, Any] | None) -> Generation:
    """`generation` with `parsed` set, or `schema_error` saying why the text does not fit `schema`."""
    if schema is None:
        return generation
    import jsonschema

    try:
        value = extract_json(generation.text)
    except ValueError as error:
        return generation.model_copy(update={"parsed": None, "schema_error": str(error)})
    try:
        jsonschema.validate(value, schema)
    except jsonschema.ValidationError as error:
        where = "/".join(str(p) for p in error.absolute_path) or "(root)"
        message = f"output does not match the JSON schema at {where}: {error.message}"
        return generation.model_copy(update={"parsed": None, "schema_error": message})
    except jsonschema.SchemaError as error:
        return generation.model_copy(update={"parsed": None, "schema_error": f"invalid JSON schema: {error.message}"})
    return generation.model_copy(update={"parsed": value, "schema_error": None})
