"""The one place that defines what plugins can hook into.

`register_*` hooks receive a `register` callback and call it once per contribution; the registry validates what
arrives and names the plugin when something is wrong. `on_*` hooks observe a running campaign and must not raise:
an exception there is logged against the plugin and the campaign goes on. Hooks are named by phase, as pytest's
are; docs/plugins.md has one section per hook with its arguments and a runnable example.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import pluggy

if TYPE_CHECKING:
    import click

    from synthloom.agents import Agent
    from synthloom.backends.base import Backend, ModelSpec
    from synthloom.backends.registration import BackendType
    from synthloom.campaign import Campaign
    from synthloom.messages import Message
    from synthloom.report.data import ReportData
    from synthloom.summary import RunSummary

PROJECT = "synthloom"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)

Exporter = Callable[[list["Message"]], list[dict[str, Any]]]


@hookspec
def register_agents(register: Callable[[type["Agent"]], None]) -> None:
    """Register Agent subclasses: `register(MyAgent)`. The agent's `name` is how campaigns refer to it."""


@hookspec
def register_message_kinds(register: Callable[[type["Message"]], None]) -> None:
    """Register Message subclasses: `register(MyMessage)`. Each becomes a typed SQL view in the store."""


@hookspec
def register_backends(
        register: Callable[[str, "BackendType | Callable[[ModelSpec], Backend]"], None]) -> None:
    """Register model backends: `register("name", BackendType(...))`, or `register("name", factory)` with
    `factory(spec: ModelSpec) -> Backend`. A BackendType also names its options model, so campaigns are checked
    before they run and `synthloom models info` can describe the backend."""


@hookspec
def register_exporters(register: Callable[[str, Exporter], None]) -> None:
    """Register exporters: `register("name", fn)`; `fn(messages: list[Message]) -> list[dict]` (rows)."""


@hookspec
def register_commands(cli: "click.Group") -> None:
    """Add click commands to the `synthloom` command group: `cli.add_command(my_group)`."""


@hookspec
def register_report_sections(register: Callable[[str, Callable[["ReportData"], list[Any]]], None]) -> None:
    """Add sections to `synthloom report` and `synthloom view`: `register("Title", render)`. `render(data:
    ReportData)` returns the section's blocks (`data.histogram(...)`, `data.table(...)`, a Plotly figure, text) for
    the campaign `data.campaign`, or an empty list where the campaign has nothing for it."""


@hookspec
def on_campaign_start(campaign: "Campaign", store: Path) -> None:
    """A campaign has been validated, its store opened, and its agents wired; nothing has run yet."""


@hookspec
def on_batch_done(campaign: "Campaign", agent: str, inputs: list["Message"], outputs: list["Message"]) -> None:
    """An agent finished a batch; `outputs` include recorded failures and dropped items."""


@hookspec
def on_item_failed(campaign: "Campaign", agent: str, item: "Message | None", error: BaseException) -> None:
    """One input of an agent failed and was recorded as a failure; `item` is None when a source's round failed."""


@hookspec
def on_campaign_end(campaign: "Campaign", summary: "RunSummary") -> None:
    """The campaign stopped: finished (and exported), interrupted, or out of budget (`summary.status`)."""
