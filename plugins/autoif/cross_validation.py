"""The decisions of AutoIF, as pure functions over results already computed in the sandbox.

Kept free of I/O so that the thresholds of the reference code and of the paper can be tested exhaustively and
reused unchanged by the campaign agents and the stand-alone `synthloom autoif` commands.
"""

from __future__ import annotations

import itertools
import json
import random
from dataclasses import dataclass, field
from typing import Any, Literal, Sequence

from synthloom.plugins.autoif.parsing import ParsedReply

Variant = Literal["code", "paper"]
StringBooleans = Literal["reference", "coerce"]


@dataclass
class Candidates:
    """The unique functions and cases of one instruction, in first-seen order, and what was rejected on the way."""

    funcs: list[str] = field(default_factory=list)
    cases: list[tuple[Any, Any]] = field(default_factory=list)
    rejected: list[tuple[int, ParsedReply]] = field(default_factory=list)


def _coerce(output: Any) -> Any:
    if isinstance(output, str) and output.strip().lower() in ("true", "false"):
        return output.strip().lower() == "true"
    return output


def collect_candidates(parsed: Sequence[ParsedReply], string_booleans: StringBooleans = "reference") -> Candidates:
    """Deduplicate functions and cases across replies, as the reference does with `set()`.

    The reference keeps a reply's cases only when its function compiled, and compares case outputs verbatim: an
    output written as the string "true" never equals the boolean a verifier returns, so such cases are later
    dropped for lack of agreement. `string_booleans="coerce"` reads them as booleans instead.
    """
    found = Candidates()
    seen_cases: set[str] = set()
    for index, reply in enumerate(parsed):
        if reply.func is None:
            found.rejected.append((index, reply))
            continue
        if reply.func not in found.funcs:
            found.funcs.append(reply.func)
        if reply.error is not None:
            found.rejected.append((index, reply))
        for case_input, output in reply.cases:
            case = (case_input, _coerce(output) if string_booleans == "coerce" else output)
            key = json.dumps(case, sort_keys=True)
            if key not in seen_cases:
                seen_cases.add(key)
                found.cases.append(case)
    return found


def agrees(result: Any, expected: Any) -> bool:
    """The reference's test: `res is not None and res == out` (so 1 == True counts, "true" == True does not)."""
    return result is not None and result == expected


@dataclass
class CaseVerdict:
    input: Any
    output: Any
    agreeing: int
    kept: bool


@dataclass
class FuncVerdict:
    func: str
    accuracy: float
    kept: bool
    errors: int


@dataclass
class CrossValidation:
    cases: list[CaseVerdict]
    funcs: list[FuncVerdict]

    @property
    def kept_cases(self) -> list[CaseVerdict]:
        return [c for c in self.cases if c.kept]

    @property
    def kept_funcs(self) -> list[FuncVerdict]:
        return [f for f in self.funcs if f.kept]


def cross_validate(funcs: Sequence[str], cases: Sequence[tuple[Any, Any]], results: Sequence[Sequence[Any]],
                   variant: Variant = "code") -> CrossValidation:
    """Keep cases that functions agree with, then functions accurate on the kept cases.

    `results[f][c]` is what function f returned on case c's input, None when it raised, timed out or was killed.
    code (`3_cross_validation.py`): a case needs one agreeing function; a function needs accuracy >= 0.8.
    paper (arXiv 2406.13542, section 2.2): more than half of the functions must agree with a case, and a function
    needs accuracy > 0.5.
    """
    case_verdicts = []
    for c, (case_input, output) in enumerate(cases):
        agreeing = sum(agrees(results[f][c], output) for f in range(len(funcs)))
        kept = agreeing >= 1 if variant == "code" else agreeing > len(funcs) / 2
        case_verdicts.append(CaseVerdict(case_input, output, agreeing, kept))
    kept_index = [c for c, verdict in enumerate(case_verdicts) if verdict.kept]
    func_verdicts = []
    for f, func in enumerate(funcs):
        hits = [agrees(results[f][c], cases[c][1]) for c in kept_index]
        accuracy = sum(hits) / len(hits) if hits else 0.0
        kept = accuracy >= 0.8 if variant == "code" else accuracy > 0.5
        errors = sum(results[f][c] is None for c in range(len(cases)))
        func_verdicts.append(FuncVerdict(func, accuracy, kept, errors))
    return CrossValidation(case_verdicts, func_verdicts)


def as_int(value: Any) -> int | None:
    """`int(res)` as `7_query_vertification.py` applies it to a verifier's result; None where that raises."""
    if value is None or isinstance(value, (list, dict)):
        return None
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        return None


def pass_rate(results: Sequence[Any]) -> float:
    """The mean of `int(result)` over the functions whose result is usable; 0 when none is (the reference's rule)."""
    usable = [v for v in (as_int(r) for r in results) if v is not None]
    return sum(usable) / len(usable) if usable else 0.0


def mean_score(scores: Sequence[int | None]) -> float:
    """Mean judge score over the replies that have one; 0 when none has (`8_query_score_filiter.py`)."""
    usable = [s for s in scores if s is not None]
    return sum(usable) / len(usable) if usable else 0.0


def dpo_pairs(responses: Sequence[tuple[str, float]], rng: random.Random, positive_at: float = 0.5,
              negative_at: float = 0.0) -> list[tuple[str, str]]:
    """(chosen, rejected) pairs as `code_dpo/2_dpo_data_query_construct.py` builds them.

    Positives pass at least `positive_at`, negatives exactly `negative_at`; with two of either kind, up to two of
    each are sampled, else one of each; the product gives up to 2 x 2 pairs (none when a side is empty).
    """
    positives = [text for text, rate in responses if rate >= positive_at]
    negatives = [text for text, rate in responses if rate == negative_at]
    take = 2 if len(positives) >= 2 or len(negatives) >= 2 else 1
    chosen = rng.sample(positives, min(take, len(positives)))
    rejected = rng.sample(negatives, min(take, len(negatives)))
    return list(dict.fromkeys(itertools.product(chosen, rejected)))
