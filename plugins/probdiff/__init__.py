"""ProbDiff: a model evaluates itself by how much it changes its own answer when asked to improve it.

"Language Models can Evaluate Themselves via Probability Discrepancy" (Xia et al., Findings of ACL 2024, arXiv
2405.10516); reference code xiatingyu/ProbDiff (no licence: read, not copied). The model answers a query, rewrites
its answer with the reference's "Response Rewriter" prompt, and scores both with teacher forcing; the larger the
discrepancy, the weaker the model on that query. Produces `probdiff.evaluation` per (model, query),
`probdiff.comparison` per query and a `probdiff.ranking`; `synthloom probdiff compare` ranks models on a file.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from synthloom import hookimpl

if TYPE_CHECKING:
    import click

    from synthloom import Agent, Message


@hookimpl
def register_message_kinds(register: Callable[[type["Message"]], None]) -> None:
    from synthloom.plugins.probdiff.kinds import Comparison, Evaluation, Ranking

    for kind in (Evaluation, Comparison, Ranking):
        register(kind)


@hookimpl
def register_agents(register: Callable[[type["Agent"]], None]) -> None:
    from synthloom.plugins.probdiff.agents import Compare, Evaluate

    for agent in (Evaluate, Compare):
        register(agent)


@hookimpl
def register_commands(cli: "click.Group") -> None:
    from synthloom.plugins.probdiff.cli import probdiff

    cli.add_command(probdiff)
