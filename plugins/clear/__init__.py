"""CLEAR: automated data curation by the confidence of the model that will be fine-tuned, no stronger model needed.

"Automated Data Curation for Robust Language Model Fine-Tuning" (Chen and Mueller, arXiv 2403.12776), with the
BSDetector confidence of "Quantifying Uncertainty in Answers from any Language Model" (Chen and Mueller, arXiv
2308.16175). No public CLEAR code exists; BSDetector is compared with cvs-health/uqlm (Apache-2.0). Auto-filter keeps
the samples above the median confidence; a model fine-tuned on them proposes corrections, which replace a response
when the base model, as judge, is confident they are better; the curated set trains the final model. Produces
`clear.scored`, `clear.decision`, `clear.curated` (TRL SFT) and `selection.trained_model`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from synthloom import hookimpl

if TYPE_CHECKING:
    import click

    from synthloom import Agent, Message


@hookimpl
def register_message_kinds(register: Callable[[type["Message"]], None]) -> None:
    from synthloom.plugins.clear.kinds import Curated, Decision, Sample, Scored

    for kind in (Sample, Scored, Decision, Curated):
        register(kind)


@hookimpl
def register_agents(register: Callable[[type["Agent"]], None]) -> None:
    from synthloom.plugins.clear.agents.confidence import Confidence
    from synthloom.plugins.clear.agents.curation import Correct, Filter
    from synthloom.plugins.clear.agents.sources import Load
    from synthloom.plugins.clear.agents.training import Train

    for agent in (Load, Confidence, Filter, Correct, Train):
        register(agent)


@hookimpl
def register_commands(cli: "click.Group") -> None:
    from synthloom.plugins.clear.cli import clear

    cli.add_command(clear)
