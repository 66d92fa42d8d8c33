"""FastClass: weakly supervised classification data from class descriptions alone.

"FastClass: A Time-Efficient Approach to Weakly-Supervised Text Classification" (Xia, Wang, Tian, Chang; EMNLP
2022; arXiv 2212.05506); reference code xiatingyu/FastClass (no licence: read, not copied). Class descriptions and
an unlabelled corpus are embedded with the embedded MiniLM; each class retrieves its most similar documents (10% of
the average class size), a cost-aware facility-location ranking picks a representative, confident subset, and the
subset size is chosen by the entropy of a classifier's predictions on the corpus, with no labelled data. Produces
`fastclass.document`, `fastclass.labelled` (rows, or TRL SFT classification prompts), `fastclass.classifier` and
`dropped` records; `synthloom fastclass label` works on plain files.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from synthloom import hookimpl

if TYPE_CHECKING:
    import click

    from synthloom import Agent, Message


@hookimpl
def register_message_kinds(register: Callable[[type["Message"]], None]) -> None:
    from synthloom.plugins.fastclass.kinds import Classifier, Document, Labelled

    for kind in (Document, Labelled, Classifier):
        register(kind)


@hookimpl
def register_agents(register: Callable[[type["Agent"]], None]) -> None:
    from synthloom.plugins.fastclass.agents import Label, LoadCorpus

    for agent in (LoadCorpus, Label):
        register(agent)


@hookimpl
def register_commands(cli: "click.Group") -> None:
    from synthloom.plugins.fastclass.cli import fastclass

    cli.add_command(fastclass)
