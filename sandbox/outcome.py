"""What one evaluation of verifier code on one input ended as."""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import asdict, dataclass
from typing import Any, Literal

Status = Literal["ok", "error", "timeout", "killed", "output_limit"]
STATUSES: frozenset[str] = frozenset({"ok", "error", "timeout", "killed", "output_limit"})


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"{text[:20]} is out of range for a float")
    return number


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


# Values are JSON as the job wrote it: NaN and infinities (1e999 included) are refused, as the job process refuses
# to send them, so that a job writing its own result line cannot hand the caller one either.
_decode_value = json.JSONDecoder(parse_float=_finite, parse_constant=_no_constant).decode


@dataclass(frozen=True, slots=True)
class Outcome:
    """The result of calling the entrypoint on one input.

    `value` is only set when `status == "ok"`; it went through JSON, so it is a plain JSON value whatever object the
    verifier returned (a hostile `__eq__`/`__bool__` cannot reach the caller).
    """

    status: Status
    value: Any = None
    error: str | None = None
    duration_ms: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_wire(cls, record: object) -> Outcome:
        """Decode one `[status, value_json, error, duration_ms]` record from the supervisor.

        The value arrives as JSON text and is decoded here, per input, so a value this process cannot decode (nested
        too deeply, an integer past Python's digit limit, text that is not JSON) turns into that input's error
        instead of failing the whole job. A record of the wrong shape means the supervisor itself is broken: that
        raises ValueError, and the caller replaces the container.
        """
        if not (isinstance(record, list) and len(record) == 4 and record[0] in STATUSES):
            raise ValueError(f"malformed result record: {str(record)[:200]}")
        status, value_text, error, duration_ms = record
        if not isinstance(duration_ms, (int, float)) or not (error is None or isinstance(error, str)):
            raise ValueError(f"malformed result record: {str(record)[:200]}")
        try:
            duration_ms = float(duration_ms)
        except OverflowError as exc:
            raise ValueError("malformed result record: the duration is out of range") from exc
        if status != "ok":
            return cls(status, None, error, duration_ms)
        if not isinstance(value_text, str):
            raise ValueError("an ok result record carries no value")
        try:
            value = _decode_value(value_text)
        except RecursionError:
            return cls("error", None, "the return value is nested too deeply to decode", duration_ms)
        except ValueError as exc:
            return cls("error", None, f"the return value cannot be decoded: {str(exc)[:300]}", duration_ms)
        return cls("ok", value, None, duration_ms)


def code_hash(code: str) -> str:
    """sha256 of the verifier source, to name a verifier in logs without printing it."""
    return hashlib.sha256(code.encode("utf-8", "surrogatepass")).hexdigest()
