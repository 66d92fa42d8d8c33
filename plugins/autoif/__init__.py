"""AutoIF: instruction-following data whose compliance is checked by LLM-written code (Qwen, arXiv 2406.13542).

Registers the message kinds, the agents of every stage, the importers of AutoIF's file formats, the
`synthloom autoif` commands, and a survival report at the end of campaigns that use these agents.
"""

from __future__ import annotations

import logging
from typing import Any, Callable

from synthloom.hookspecs import hookimpl
from synthloom.plugins.autoif.summary import demo_queries

__all__ = ["demo_queries"]


@hookimpl
def register_message_kinds(register: Callable[[type], None]) -> None:
    from synthloom.plugins.autoif.kinds import ALL_KINDS

    for kind in ALL_KINDS:
        register(kind)


@hookimpl
def register_agents(register: Callable[[type], None]) -> None:
    from synthloom.plugins.autoif.agents import AGENTS
    from synthloom.plugins.autoif.importers import IMPORTERS

    for agent in (*AGENTS, *IMPORTERS):
        register(agent)


@hookimpl
def register_commands(cli: Any) -> None:
    from synthloom.plugins.autoif.cli import autoif

    cli.add_command(autoif)


@hookimpl
def on_campaign_end(campaign: Any, summary: dict[str, Any]) -> None:
    if not any(agent.use.startswith("autoif.") for agent in campaign.agents):
        return
    from synthloom.plugins.autoif.summary import report

    try:
        print(report(campaign, summary))
    except Exception as error:  # an observer must never fail the campaign it reports on
        logging.getLogger(__name__).warning("AutoIF survival report unavailable: %s", error)
