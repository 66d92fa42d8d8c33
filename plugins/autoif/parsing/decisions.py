"""The decisions of AutoIF, as pure functions over replies already parsed and results already computed in the
sandbox.

Kept free of I/O so that the thresholds of the reference code and of the paper can be tested exhaustively and
reused unchanged by the campaign agents and the stand-alone `synthloom autoif` commands. A decision that drops an
item returns a `Verdict` (reason code and detail), the fields of the `dropped` record it becomes.
"""

from __future__ import annotations

import itertools
import json
import random
import re
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple, Sequence

from synthloom.plugins.autoif.parsing.replies import ParsedReply

Variant = Literal["code", "paper"]
StringBooleans = Literal["reference", "coerce"]


class Verdict(NamedTuple):
    """Why an item stops: a short stable reason code and the detail, in words with the numbers."""

    reason: str
    detail: str


def normalise_instruction(text: str) -> str:
    """The words of an instruction, lowercased, without punctuation: two instructions are duplicates when these
    are equal."""
    return re.sub(r"[\W_]+", " ", text.lower()).strip()


def dedup_instructions(texts: Sequence[str], max_chars: int) -> list[Verdict | None]:
    """Per text, in the given order: None to keep it, else why not (too long, no words, or an earlier text's
    duplicate). The caller orders the texts by precedence (seeds first)."""
    seen: dict[str, str] = {}
    verdicts: list[Verdict | None] = []
    for text in texts:
        key = normalise_instruction(text)
        if len(text) > max_chars:
            verdicts.append(Verdict("too_long", f"{len(text)} characters (max {max_chars})"))
        elif not key:
            verdicts.append(Verdict("no_words", "the instruction has no letters or digits"))
        elif key in seen:
            verdicts.append(Verdict("duplicate", f"same as {seen[key]!r}"))
        else:
            seen[key] = text
            verdicts.append(None)
    return verdicts


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


def candidate_shortfall(candidates: Candidates, min_funcs: int, min_cases: int) -> Verdict | None:
    """Too few unique functions or cases to cross-validate (the reference's `len(...) >= 3` and `>= 10`)."""
    if len(candidates.funcs) >= min_funcs and len(candidates.cases) >= min_cases:
        return None
    return Verdict("too_few_candidates", f"{len(candidates.funcs)} unique functions (need {min_funcs}) and "
                                         f"{len(candidates.cases)} unique cases (need {min_cases})")


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


def cross_validation_verdict(result: CrossValidation) -> Verdict | None:
    """None when the instruction keeps at least one case and one function, else why it is dropped."""
    if not result.kept_cases:
        return Verdict("no_case_agreed", "no function agrees with any test case")
    if not result.kept_funcs:
        return Verdict("no_accurate_function",
                       f"best accuracy on kept cases: {max(f.accuracy for f in result.funcs):.2f}")
    return None


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


def rejection_verdicts(responses: Sequence[str], rates: Sequence[float], pass_rate_above: float
                       ) -> list[Verdict | None]:
    """Per response: None to keep it (pass rate above the threshold, first of its text), else why not."""
    seen: set[str] = set()
    verdicts: list[Verdict | None] = []
    for response, rate in zip(responses, rates):
        if rate <= pass_rate_above:
            verdicts.append(Verdict("low_pass_rate", f"pass rate {rate:.2f} (needs > {pass_rate_above})"))
        elif response in seen:
            verdicts.append(Verdict("duplicate_response", "the same text as an earlier response to this query"))
        else:
            seen.add(response)
            verdicts.append(None)
    return verdicts


def mean_score(scores: Sequence[int | None]) -> float:
    """Mean judge score over the replies that have one; 0 when none has (`8_query_score_filiter.py`)."""
    usable = [s for s in scores if s is not None]
    return sum(usable) / len(usable) if usable else 0.0


def quality_verdict(scores: Sequence[int | None], score_above: float) -> Verdict | None:
    """None when the mean judge score is above `score_above`; else no_score (no reply had one) or
    low_quality_score."""
    mean = mean_score(scores)
    if mean > score_above:
        return None
    reason = "low_quality_score" if any(s is not None for s in scores) else "no_score"
    return Verdict(reason, f"mean score {mean:.2f} (needs > {score_above})")


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
