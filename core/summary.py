"""What a campaign run returns and what `on_campaign_end` receives: a typed summary, not a dict."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Status = Literal["finished", "interrupted", "budget"]
Outcome = Literal["finished", "finished_with_failures", "failed", "budget", "interrupted"]

# What `synthloom run` exits with; 2 is an invalid campaign (or any other explained error) before anything ran.
EXIT_CODES: dict[str, int] = {"finished": 0, "finished_with_failures": 1, "invalid": 2, "budget": 3, "failed": 4,
                              "interrupted": 130}


class AgentSummary(BaseModel):
    """One agent's counts for this run (a resumed run counts what it did, plus what it found stored)."""

    received: int = 0
    handled: int = 0
    produced: int = 0
    failed: int = 0
    calls: int = 0
    tokens: int = 0
    cost: float = 0.0


class ExportResult(BaseModel):
    """One `export:` entry of the campaign, written after the campaign finished."""

    kind: str
    format: str
    path: str
    rows: int


class RunSummary(BaseModel):
    campaign: str
    store: str
    status: Status
    reason: str | None = Field(default=None, description="why the run stopped early (the budget that was hit)")
    agents: dict[str, AgentSummary] = Field(default_factory=dict)
    exports: list[ExportResult] = Field(default_factory=list)

    @property
    def failed(self) -> int:
        return sum(a.failed for a in self.agents.values())

    @property
    def outcome(self) -> Outcome:
        """`failed` when an agent failed every input it handled (a source that could not read its data, a model
        that answers nothing but errors), `finished_with_failures` when only some items failed."""
        if self.status != "finished":
            return self.status
        if any(a.failed and a.failed >= a.handled for a in self.agents.values()):
            return "failed"
        return "finished_with_failures" if self.failed else "finished"

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.outcome]
