"""One exception hierarchy for everything synthloom raises on purpose.

Every error carries what was wrong, where (file, line, field, agent, item) and what to do about it, so that the CLI
can print it in one or two lines without a traceback. Code that catches errors to isolate failures (per-item
failures, broken plugins) relies on this hierarchy to tell our own, explained errors from bugs.
"""

from __future__ import annotations


class SynthloomError(Exception):
    """Base of every deliberate synthloom error."""

    def __init__(self, message: str, *, where: str | None = None, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.where = where
        self.hint = hint

    def __str__(self) -> str:
        text = f"{self.where}: {self.message}" if self.where else self.message
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text


class ConfigError(SynthloomError):
    """A campaign file, a parameter or a command-line value is wrong."""


class PluginError(SynthloomError):
    """A plugin failed to load, registered something invalid, or is unknown."""


class StoreError(SynthloomError):
    """The DuckDB store is locked, corrupt, of another schema version, or unreadable."""


class BackendError(SynthloomError):
    """A model backend failed in a way that retrying will not fix."""


class TransientBackendError(BackendError):
    """A model backend failed in a way that retrying may fix (429, 5xx, timeout, dropped connection)."""

    def __init__(self, message: str, *, retry_after_s: float | None = None, **kwargs: str | None) -> None:
        super().__init__(message, **kwargs)
        self.retry_after_s = retry_after_s


class CannotScoreError(BackendError):
    """The backend has no way to return per-token log-probabilities of a given continuation."""


class MalformedOutputError(BackendError):
    """A backend answered, but its answer does not have the promised shape (bad JSON, schema mismatch)."""


class SandboxError(SynthloomError):
    """The Docker sandbox cannot run: no daemon, no image, or a container that misbehaves beyond recovery."""


class BudgetExhausted(SynthloomError):
    """The campaign's budget (cost, tokens or calls) is spent; the run stops cleanly and can be resumed."""


class ItemError(SynthloomError):
    """One input item cannot be processed; the runtime records it as a failure and the campaign goes on."""
