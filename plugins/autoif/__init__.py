"""AutoIF: instruction-following data whose compliance is checked by LLM-written code.

"Self-play with Execution Feedback: Improving Instruction-following Capabilities of Large Language Models" (Dong et
al., Qwen, arXiv 2406.13542); reference code QwenLM/AutoIF. A model writes format instructions, Python functions
that verify them and test cases; functions and cases cross-validate each other in the sandbox; responses are kept
when the surviving functions pass them and a judge scores them well. Produces SFT examples (`autoif.sft_example`)
and DPO pairs (`autoif.dpo_pair`) for TRL.

The hooks register the kinds, the agents of every stage and the importers of AutoIF's files, the `synthloom
autoif` commands, and print a survival table at the end of campaigns that use these agents.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from synthloom import hookimpl

if TYPE_CHECKING:
    import click

    from synthloom import Agent, Message, RunSummary
    from synthloom.campaign import Campaign


@hookimpl
def register_message_kinds(register: Callable[[type["Message"]], None]) -> None:
    from synthloom.plugins.autoif.kinds import ALL_KINDS

    for kind in ALL_KINDS:
        register(kind)


@hookimpl
def register_agents(register: Callable[[type["Agent"]], None]) -> None:
    from synthloom.plugins.autoif.agents import AGENTS

    for agent in AGENTS:
        register(agent)


@hookimpl
def register_commands(cli: "click.Group") -> None:
    from synthloom.plugins.autoif.cli import autoif

    cli.add_command(autoif)


@hookimpl
def on_campaign_end(campaign: "Campaign", summary: "RunSummary") -> None:
    if not any(agent.use.startswith("autoif.") for agent in campaign.agents):
        return
    from synthloom.plugins.autoif.survival import report

    print(report(summary))
