"""ODIN: a reward model with a length head and a quality head, so that length stops paying.

"ODIN: Disentangled Reward Mitigates Hacking in RLHF" (Chen, Zhu, et al.; ICML 2024; arXiv 2402.07319); reference
code Lichang-Chen/ODIN and the RLHFlow re-implementation (no licence: read, not copied). Two linear heads share a
backbone; the Bradley-Terry loss ranks with their sum, the length head is pushed to correlate with response length
and the quality head not to, and the heads' weights are kept orthogonal. Only the quality head rates responses.
Trained with TRL's RewardTrainer (ODIN's loss) on any preference file synthloom exports. Produces `odin.pair`,
`odin.trained_model` (with each head's correlation with length on held-out pairs) and `odin.reward`;
`synthloom odin train | score | eval` work on plain files.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from synthloom import hookimpl

if TYPE_CHECKING:
    import click

    from synthloom import Agent, Message


@hookimpl
def register_message_kinds(register: Callable[[type["Message"]], None]) -> None:
    from synthloom.plugins.odin.kinds import Pair, Reward, TrainedRewardModel

    for kind in (Pair, TrainedRewardModel, Reward):
        register(kind)


@hookimpl
def register_agents(register: Callable[[type["Agent"]], None]) -> None:
    from synthloom.plugins.odin.agents import LoadPairs, RewardScorer, TrainRewardModel

    for agent in (LoadPairs, TrainRewardModel, RewardScorer):
        register(agent)


@hookimpl
def register_commands(cli: "click.Group") -> None:
    from synthloom.plugins.odin.cli import odin

    cli.add_command(odin)
