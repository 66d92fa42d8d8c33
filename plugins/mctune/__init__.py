"""MCTune: multi-control tuning with linguistic-complexity tags.

"Multi-Objective Linguistic Control of Large Language Models" (Nguyen, Chen, Zhou; ACL 2024 Findings; arXiv
2406.16229); reference code tianyi-lab/mctune (no licence: read, not copied). Each response's 14 linguistic
features (words, nouns, verbs, adjectives and their unique counts, their ratios, Flesch reading ease, reading time;
LFTK's definitions on a spaCy parse) are measured; k ~ U{1..5} of them are appended to the instruction's input as
tags under the reference's meta-instruction, so that a model learns to meet them; held-out responses become test
examples with noisy targets. Produces `mctune.measured`, `mctune.train_example` (TRL SFT), `mctune.test_example`,
`mctune.response` and `dropped` records; `synthloom mctune prepare | generate | eval` work on plain files.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from synthloom import hookimpl

if TYPE_CHECKING:
    import click

    from synthloom import Agent, Message


@hookimpl
def register_message_kinds(register: Callable[[type["Message"]], None]) -> None:
    from synthloom.plugins.mctune.kinds import Measured, Response, TestExample, TrainExample

    for kind in (Measured, TrainExample, TestExample, Response):
        register(kind)


@hookimpl
def register_agents(register: Callable[[type["Agent"]], None]) -> None:
    from synthloom.plugins.mctune.agents import Augment, Measure, Respond

    for agent in (Measure, Augment, Respond):
        register(agent)


@hookimpl
def register_commands(cli: "click.Group") -> None:
    from synthloom.plugins.mctune.cli import mctune

    cli.add_command(mctune)
