"""GenQA: large, diverse instruction sets from a single generator prompt.

"GenQA: Generating Millions of Instructions from a Handful of Prompts" (Chen et al., arXiv 2406.10323; no code was
released, the dataset is CC BY-NC). A generator prompt makes the model write a long numbered list and then use item
N, N random per call, which spreads the outputs far more than asking for "a random question". Produces
`genqa.pair` (TRL SFT) until a target number of distinct pairs exists; `synthloom genqa` runs it on the command line
and deduplicates files.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from synthloom import hookimpl

if TYPE_CHECKING:
    import click

    from synthloom import Agent, Message


@hookimpl
def register_message_kinds(register: Callable[[type["Message"]], None]) -> None:
    from synthloom.plugins.genqa.kinds import Pair

    register(Pair)


@hookimpl
def register_agents(register: Callable[[type["Agent"]], None]) -> None:
    from synthloom.plugins.genqa.agents import Generate

    register(Generate)


@hookimpl
def register_commands(cli: "click.Group") -> None:
    from synthloom.plugins.genqa.cli import genqa

    cli.add_command(genqa)
