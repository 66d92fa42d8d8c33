"""Vision self-critic: SIMA, "Enhancing Visual-Language Modality Alignment in Large Vision Language Models via
Self-Improvement" (Wang et al., arXiv 2405.15973); reference code si0wang/SIMA (linked from umd-huang-lab/SIMA):
`generate_samples.py`, `prompt_for_critic.py`, `model_self_rewarding.py`, `dataset_for_dpo.py`.

A vision-language model answers each question about an image twice (greedy and sampled), then, seeing the image,
critiques its own two answers against the ground truth with three visual metrics (object, relationship and
attribute accuracy) and two worked examples; the preferred answer becomes `chosen`, the other `rejected`
(`sima.pair`: TRL's vision DPO rows with `images`), which `synthloom train dpo` trains on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from synthloom import hookimpl

if TYPE_CHECKING:
    import click

    from synthloom import Agent, Message


@hookimpl
def register_message_kinds(register: Callable[[type["Message"]], None]) -> None:
    from synthloom.plugins.sima.kinds import Judgement, Pair, Responses

    for kind in (Responses, Judgement, Pair):
        register(kind)


@hookimpl
def register_agents(register: Callable[[type["Agent"]], None]) -> None:
    from synthloom.plugins.sima.agents import Critique, Respond

    for agent in (Respond, Critique):
        register(agent)


@hookimpl
def register_commands(cli: "click.Group") -> None:
    from synthloom.plugins.sima.cli import sima

    cli.add_command(sima)
