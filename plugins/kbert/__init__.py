"""Knowledge-guided semantic matching: prior knowledge in BERT's attention, as a dedup and consistency judge.

"Using Prior Knowledge to Guide BERT's Attention in Semantic Textual Matching Tasks" (Xia, Wang, Tian, Chang, WWW
2021, arXiv 2102.10934); reference code xiatingyu/Bert_sim (no licence: read, not copied). A WordNet word-pair
similarity matrix multiplies the attention scores of BERT's first layer, so a pair model sees which words of two
sentences mean alike before it learns anything. Here the pair model, on the embedded MiniLM, judges whether two
synthesized instructions mean the same: it drops near-duplicates that exact dedup keeps (`kbert.dedup_*`) and
checks AutoIF's back-translations (`kbert.consistency_judge`). It is trained on pairs the framework makes itself
(`kbert.pair_writer`, `kbert.train`). Produces `kbert.pair`, `kbert.trained_model`, `kbert.consistency` and the
core `dropped` records; `synthloom kbert` works on plain files.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from synthloom import hookimpl

if TYPE_CHECKING:
    import click

    from synthloom import Agent, Message


@hookimpl
def register_message_kinds(register: Callable[[type["Message"]], None]) -> None:
    from synthloom.plugins.kbert.kinds import Consistency, Pair, TrainedPairModel

    for kind in (Pair, TrainedPairModel, Consistency):
        register(kind)


@hookimpl
def register_agents(register: Callable[[type["Agent"]], None]) -> None:
    from synthloom.plugins.kbert.agents import AGENTS

    for agent in AGENTS:
        register(agent)


@hookimpl
def register_commands(cli: "click.Group") -> None:
    from synthloom.plugins.kbert.cli import kbert

    cli.add_command(kbert)
