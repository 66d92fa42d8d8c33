"""Reading AutoIF's real sample data (tests/fixtures/autoif) for the sandbox tests and benchmarks/sandbox.py.

Deliberately simpler than the autoif plugin's parser: the sandbox must cope with the replies as the model wrote
them, so nothing is stripped or repaired here.
"""

from __future__ import annotations

import json
import pathlib
import re

FIXTURE = pathlib.Path(__file__).parents[1] / "fixtures" / "autoif" / "eval_func_rft.jsonl"
FENCED_JSON = re.compile(r"```json\s*(.*?)```", re.DOTALL)


def parse_autoif_reply(reply: str) -> dict | None:
    """The {"func", "cases"} object of one AutoIF verifier reply, or None when the reply has no usable JSON."""
    match = FENCED_JSON.search(reply)
    try:
        parsed = json.loads(match.group(1) if match else reply)
    except ValueError:
        return None
    if not isinstance(parsed, dict) or not isinstance(parsed.get("func"), str) or "def evaluate" not in parsed["func"]:
        return None
    return parsed


def autoif_verifiers(path: pathlib.Path = FIXTURE) -> list[dict]:
    """Every parseable verifier reply in an AutoIF eval_func_rft.jsonl file."""
    verifiers = []
    for line in path.read_text().splitlines():
        for reply in json.loads(line).get("gpt-answer", []):
            parsed = parse_autoif_reply(reply)
            if parsed is not None:
                verifiers.append(parsed)
    return verifiers
