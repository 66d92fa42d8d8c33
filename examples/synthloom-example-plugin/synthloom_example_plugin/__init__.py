"""The example_plugin synthloom plugin: asks a model to paraphrase each prompt.

synthloom finds this package through the `synthloom` entry point in pyproject.toml and calls the functions marked
with `@synthloom.hookimpl`; each hands its contributions to the `register` callback it receives. This module holds
only the hooks: the kinds, agents, prompts, rules and commands live in modules named for them.
"""

from __future__ import annotations

from typing import Callable

import click

import synthloom


@synthloom.hookimpl
def register_message_kinds(register: Callable[[type[synthloom.Message]], None]) -> None:
    from synthloom_example_plugin.kinds import Paraphrase

    register(Paraphrase)


@synthloom.hookimpl
def register_agents(register: Callable[[type[synthloom.Agent]], None]) -> None:
    from synthloom_example_plugin.agents import Paraphraser

    register(Paraphraser)


@synthloom.hookimpl
def register_commands(cli: click.Group) -> None:
    from synthloom_example_plugin.cli import example_plugin

    cli.add_command(example_plugin)
