"""A campaign's spending limit on cost, tokens or calls, counted across resumed runs.

Only fresh (non-cached) calls count: resuming replays cached calls for free, which is what lets a run that
stopped at its budget continue under a larger one without paying twice.
"""

from __future__ import annotations

import threading
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from synthloom.errors import BudgetExhausted


class BudgetSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    max_cost: float | None = Field(default=None, ge=0)
    max_tokens: int | None = Field(default=None, ge=0)
    max_calls: int | None = Field(default=None, ge=0)


class Budget:
    def __init__(self, spec: BudgetSpec | None = None, *, cost: float = 0.0, tokens: int = 0, calls: int = 0) -> None:
        self.spec = spec or BudgetSpec()
        self.cost = cost
        self.tokens = tokens
        self.calls = calls
        self._lock = threading.Lock()

    def exhausted_by(self) -> str | None:
        spec = self.spec
        if spec.max_calls is not None and self.calls >= spec.max_calls:
            return f"max_calls={spec.max_calls} (spent {self.calls})"
        if spec.max_tokens is not None and self.tokens >= spec.max_tokens:
            return f"max_tokens={spec.max_tokens} (spent {self.tokens})"
        if spec.max_cost is not None and self.cost >= spec.max_cost:
            return f"max_cost={spec.max_cost} (spent {self.cost:.4f})"
        return None

    def check(self) -> None:
        reason = self.exhausted_by()
        if reason is not None:
            raise BudgetExhausted(f"budget reached: {reason}",
                                  hint="raise the budget in the campaign file and rerun the same command to resume")

    def spend(self, response: Any) -> None:
        with self._lock:
            self.calls += 1
            self.tokens += int(getattr(response, "prompt_tokens", 0) or 0) + int(
                getattr(response, "completion_tokens", 0) or 0)
            self.cost += float(getattr(response, "cost", 0.0) or 0.0)
