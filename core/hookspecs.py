"""The one place that defines what plugins can hook into.

`register_*` hooks receive a `register` callback and call it once per contribution; the registry validates what
arrives and names the plugin when something is wrong. `on_*` hooks observe a running campaign and must not raise:
an exception there is logged against the plugin and the campaign goes on.
"""

from __future__ import annotations

from typing import Any, Callable

import pluggy

PROJECT = "synthloom"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def register_agents(register: Callable[[type], None]) -> None:
    """Register Agent subclasses: `register(MyAgent)`. The agent's `name` is how campaigns refer to it."""


@hookspec
def register_message_kinds(register: Callable[[type], None]) -> None:
    """Register Message subclasses: `register(MyMessage)`. Each becomes a typed SQL view in the store."""


@hookspec
def register_backends(register: Callable[[str, Callable[..., Any]], None]) -> None:
    """Register model backends: `register("name", factory)`; `factory(spec: ModelSpec) -> Backend`."""


@hookspec
def register_exporters(register: Callable[[str, Callable[..., Any]], None]) -> None:
    """Register exporters: `register("name", fn)`; `fn(messages: list[Message]) -> list[dict]` (rows)."""


@hookspec
def register_commands(cli: Any) -> None:
    """Add click commands to the `synthloom` command group: `@cli.command() def mycommand(): ...`."""


@hookspec
def on_campaign_start(campaign: Any, store: Any) -> None:
    """A campaign has been validated, its store opened, and its agents wired; nothing has run yet."""


@hookspec
def on_batch_done(campaign: Any, agent: str, inputs: list[Any], outputs: list[Any]) -> None:
    """An agent finished a batch; `outputs` include recorded failures."""


@hookspec
def on_item_failed(campaign: Any, agent: str, item: Any, error: BaseException) -> None:
    """One input of an agent failed and was recorded as a failure."""


@hookspec
def on_campaign_end(campaign: Any, summary: dict[str, Any]) -> None:
    """The campaign stopped: finished, interrupted, or out of budget (`summary["status"]`)."""
