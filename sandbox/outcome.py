"""What one evaluation of verifier code on one input ended as."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from typing import Any, Literal

Status = Literal["ok", "error", "timeout", "killed", "output_limit"]
STATUSES: frozenset[str] = frozenset({"ok", "error", "timeout", "killed", "output_limit"})


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

        The value arrives as JSON text and is decoded here, per input, so a pathologically nested value turns into
        that input's error instead of failing the whole job.
        """
        if not (isinstance(record, list) and len(record) == 4 and record[0] in STATUSES):
            raise ValueError(f"malformed result record: {str(record)[:200]}")
        status, value_text, error, duration_ms = record
        if not isinstance(duration_ms, (int, float)) or not (error is None or isinstance(error, str)):
            raise ValueError(f"malformed result record: {str(record)[:200]}")
        if status != "ok":
            return cls(status, None, error, float(duration_ms))
        if not isinstance(value_text, str):
            raise ValueError("an ok result record carries no value")
        try:
            value = json.loads(value_text)
        except RecursionError:
            return cls("error", None, "the return value is nested too deeply to decode", float(duration_ms))
        return cls("ok", value, None, float(duration_ms))


def code_hash(code: str) -> str:
    """sha256 of the verifier source, to name a verifier in logs without printing it."""
    return hashlib.sha256(code.encode("utf-8", "surrogatepass")).hexdigest()
