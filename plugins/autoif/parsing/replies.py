"""Turning model replies into data, and saying precisely why a reply could not be.

Each parser returns a reason code with the failure rather than raising, because a bad reply is an expected outcome
of sampling, recorded as a `dropped` message, not an error of the campaign.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

FENCE_JSON = re.compile(r"```json(.*?)```", re.DOTALL)
FENCE_ANY = re.compile(r"```(?:[A-Za-z]*)\n?(.*?)```", re.DOTALL)

# The reference drops lines containing 'download' or 'requests'; we also drop other ways to reach the network,
# which the sandbox would refuse anyway, so that a verifier does not fail on an import it never needed.
NETWORK_LINE = re.compile(r"download|requests|urllib|http\.client|\bhttpx\b|\baiohttp\b|\bsocket\b|\bftplib\b")


DEFINES_EVALUATE = re.compile(r"\bdef\s+evaluate\s*\(|^evaluate\s*=", re.MULTILINE)


@dataclass
class ParsedReply:
    """A verifier-writer reply: the function and test cases, or why there are none.

    `bad_cases` holds the cases that lacked `input` or `output`, which the reference skips one by one.
    """

    func: str | None = None
    cases: list[tuple[Any, Any]] = field(default_factory=list)
    error: str | None = None
    detail: str = ""
    stripped_lines: list[str] = field(default_factory=list)
    bad_cases: list[Any] = field(default_factory=list)


def excerpt(text: str, limit: int = 300) -> str:
    """What a dropped record shows of a long text: enough to recognise it, not the whole reply."""
    return text if len(text) <= limit else text[:limit] + "..."


def strip_network_lines(func: str) -> tuple[str, list[str]]:
    kept, dropped = [], []
    for line in func.split("\n"):
        (dropped if NETWORK_LINE.search(line) else kept).append(line)
    return "\n".join(kept), dropped


def _json_block(reply: str, require_fence: bool) -> tuple[str | None, str | None]:
    """The JSON text of a reply: the first ```json fence (reference), else, unless the fence is required, any fence
    or the outermost braces, since weaker models often forget the language tag or the fence."""
    found = FENCE_JSON.findall(reply)
    if found:
        return found[0].strip(), None
    if require_fence:
        return None, "no_json_fence"
    found = FENCE_ANY.findall(reply)
    if found and found[0].strip().startswith("{"):
        return found[0].strip(), None
    start, end = reply.find("{"), reply.rfind("}")
    if start != -1 and end > start:
        return reply[start:end + 1], None
    return None, "no_json_fence"


def parse_verifier_reply(reply: str, require_fence: bool = True) -> ParsedReply:
    """Parse `{"func": ..., "cases": [{"input", "output"}]}` the way `3_cross_validation.py` does, with reasons.

    The function is stripped and its network lines removed (as in the reference) and must compile; compiling runs
    no code, so it is safe here, while executing it happens only in the sandbox.
    """
    text, error = _json_block(reply, require_fence)
    if text is None:
        return ParsedReply(error=error, detail="the reply has no ```json fenced block")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return ParsedReply(error="invalid_json", detail=f"{exc.msg} at line {exc.lineno} column {exc.colno}")
    if not isinstance(data, dict):
        return ParsedReply(error="not_an_object", detail=f"the JSON is a {type(data).__name__}, not an object")
    func = data.get("func")
    if not isinstance(func, str):
        return ParsedReply(error="missing_func", detail="the JSON has no string `func`")
    func, stripped = strip_network_lines(func.strip())
    try:
        compile(func, "<verifier>", "exec")
    except (SyntaxError, ValueError) as exc:
        return ParsedReply(error="does_not_compile", detail=f"{type(exc).__name__}: {exc}", stripped_lines=stripped)
    if not DEFINES_EVALUATE.search(func):
        return ParsedReply(error="no_evaluate", detail="the code defines no `evaluate`", stripped_lines=stripped)
    raw_cases = data.get("cases")
    if not isinstance(raw_cases, list):
        return ParsedReply(func=func, error="missing_cases", detail="the JSON has no list `cases`",
                           stripped_lines=stripped)
    cases, bad = [], []
    for case in raw_cases:
        if isinstance(case, dict) and "input" in case and "output" in case:
            cases.append((case["input"], case["output"]))
        else:
            bad.append(case)
    return ParsedReply(func=func, cases=cases, stripped_lines=stripped, bad_cases=bad)


def parse_instruction_list(reply: str) -> list[str]:
    """Lines starting with '- ', as the augmentation prompt asks for."""
    return [line.strip()[2:].strip() for line in reply.splitlines()
            if line.strip().startswith("- ") and line.strip()[2:].strip()]


def continued_instructions(reply: str, cut: bool) -> list[str]:
    """The `- ` lines a base model added to the seed list, without a final period (seeds have none, and the SFT
    prompt adds one); when it was `cut` at max_tokens, its last line is unfinished and left out."""
    if cut and "\n" in reply:
        reply = reply[:reply.rfind("\n")]
    elif cut:
        return []
    return [line.removesuffix(".") for line in parse_instruction_list(reply)]


def parse_back_translation(reply: str) -> list[str] | None:
    """The reply as a JSON list of instructions (the reference calls `json.loads` on the whole reply); we also
    accept the list inside a fence or surrounding prose. None when there is no list of strings."""
    candidates = [reply.strip(), *FENCE_ANY.findall(reply)]
    start, end = reply.find("["), reply.rfind("]")
    if start != -1 and end > start:
        candidates.append(reply[start:end + 1])
    for text in candidates:
        try:
            value = json.loads(text.strip())
        except json.JSONDecodeError:
            continue
        if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            return value
    return None


SCORE = re.compile(r"Score: (\d+?)$")


def parse_score(judgement: str) -> int | None:
    """`Score: N` at the very end of the reply (`8_query_score_filiter.py`'s regex, without MULTILINE)."""
    found = SCORE.findall(judgement)
    return int(found[0]) if found else None


NLI_LABELS = ("entailment", "neutral", "contradiction")


def parse_nli_label(reply: str) -> str:
    """The last NLI label a judge model wrote, or 'unknown' (which does not count as a contradiction)."""
    found = re.findall(r"entail|neutral|contradict", reply.lower())
    if not found:
        return "unknown"
    return {"entail": "entailment", "neutral": "neutral", "contradict": "contradiction"}[found[-1]]


QUERY_IN_PROMPT = re.compile(r"\[Query\](.*)$", re.DOTALL)


def query_from_prompt(prompt: str) -> str | None:
    """The query of a responder prompt, extracted as `7_query_vertification.py` does."""
    found = QUERY_IN_PROMPT.findall(prompt)
    return found[0].strip() if found else None
