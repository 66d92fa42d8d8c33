"""The student selector: scores samples with the student model and selects by published rules.

IFD (Cherry LLM), its perplexity-ratio variant (Superfiltering), reversed IFD and the selection rule of Selective
Reflection-Tuning, pre-experience sampling and training, the longest-response baseline, and diversity (k-center
greedy, facility location, Superfiltering.D). `synthloom score` gives the scores without a campaign.
"""

from __future__ import annotations

from typing import Any, Callable

from synthloom.hookspecs import hookimpl
from synthloom.plugins.selection.kinds import IFDScore, LengthScore, Rejected, Sample, Selected, TrainedModel
from synthloom.plugins.selection.scorers import IFDScorer, LengthScorer
from synthloom.plugins.selection.selectors import Diversity, PreExperience, ReflectionSelect, TopK
from synthloom.plugins.selection.sources import LoadAlpaca
from synthloom.plugins.selection.training import TrainStudent


@hookimpl
def register_message_kinds(register: Callable[[type], None]) -> None:
    for kind in (Sample, IFDScore, LengthScore, Selected, Rejected, TrainedModel):
        register(kind)


@hookimpl
def register_agents(register: Callable[[type], None]) -> None:
    for agent in (LoadAlpaca, IFDScorer, LengthScorer, TopK, Diversity, ReflectionSelect, PreExperience,
                  TrainStudent):
        register(agent)


@hookimpl
def register_commands(cli: Any) -> None:
    from synthloom.plugins.selection.cli import score

    cli.add_command(score)
