"""OPTune: online preference tuning that regenerates only where it pays, and weights pairs by their reward gap.

"OPTune: Efficient Online Preference Tuning" (Chen, Chen, Liu, Kirchenbauer, Soselia, Zhu, Goldstein, Zhou, Huang;
arXiv 2406.07657); no public code, and the method section could not be read: docs/optune.md says what follows the
abstract and what is this plugin's decision. Each iteration regenerates responses only for the fraction rho of
prompts whose current responses have the lowest reward, scores them with a reward model (ODIN's quality head or
any scorer), pairs best against worst, weights each pair by g(reward gap) and trains with weighted DPO (TRL).
Produces `optune.pair` (TRL DPO rows with a weight), `optune.policy` and `dropped` records; `synthloom optune
pairs | train` work on plain files.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from synthloom import hookimpl

if TYPE_CHECKING:
    import click

    from synthloom import Agent, Message


@hookimpl
def register_message_kinds(register: Callable[[type["Message"]], None]) -> None:
    from synthloom.plugins.optune.kinds import Policy, WeightedPair

    for kind in (WeightedPair, Policy):
        register(kind)


@hookimpl
def register_agents(register: Callable[[type["Agent"]], None]) -> None:
    from synthloom.plugins.optune.agents import MakePairs, SelectPrompts, TrainPolicy

    for agent in (MakePairs, SelectPrompts, TrainPolicy):
        register(agent)


@hookimpl
def register_commands(cli: "click.Group") -> None:
    from synthloom.plugins.optune.cli import optune

    cli.add_command(optune)
