"""The student selector: the student model scores training samples, and published rules decide which to keep.

- IFD, instruction-following difficulty s(A|Q) / s(A): Cherry LLM, "From Quantity to Quality" (arXiv 2308.12032),
  reference repo tianyi-lab/Cherry_LLM; with its pre-experience sampling and brief training.
- IFD as a perplexity ratio, and Superfiltering.D (IFD top set narrowed by facility location): Superfiltering
  (arXiv 2402.00530), tianyi-lab/Superfiltering.
- Reversed IFD and the four-version rule: Selective Reflection-Tuning (arXiv 2402.10110), tianyi-lab/Reflection_Tuning.
- The baselines of "Rethinking Data Selection at Scale" (arXiv 2410.09335), xiatingyu/SFT-DataSelection-at-scale:
  token length (query + response), seeded random, mean response cross-entropy, ZIP (arXiv 2407.06645,
  USTC-StarTeam/ZIP) and k-means centroids; k-center greedy and facility location on sentence embeddings.

It produces `selection.sample`, the scores (`selection.ifd_score`, `selection.length_score`,
`selection.ce_score`), the kept samples (`selection.selected`, exported for TRL SFT), a `dropped` item for every
sample a selector drops, and `selection.trained_model`. `synthloom selection score` gives the scores without a
campaign; `synthloom selection compare` runs several selectors over one pool, streamed, and compares their picks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from synthloom import Agent, Message, hookimpl

if TYPE_CHECKING:
    import click


@hookimpl
def register_message_kinds(register: Callable[[type[Message]], None]) -> None:
    from synthloom.plugins.selection.kinds import CEScore, IFDScore, LengthScore, Sample, Selected, TrainedModel

    for kind in (Sample, IFDScore, LengthScore, CEScore, Selected, TrainedModel):
        register(kind)


@hookimpl
def register_agents(register: Callable[[type[Agent]], None]) -> None:
    from synthloom.plugins.selection.agents.baselines import KMeansSelect, RandomSelect, ZipSelect
    from synthloom.plugins.selection.agents.scorers import CEScorer, IFDScorer, LengthScorer
    from synthloom.plugins.selection.agents.selectors import Diversity, PreExperience, ReflectionSelect, TopK
    from synthloom.plugins.selection.agents.sources import LoadAlpaca
    from synthloom.plugins.selection.agents.training import TrainStudent

    for agent in (LoadAlpaca, IFDScorer, LengthScorer, CEScorer, TopK, Diversity, ReflectionSelect, PreExperience,
                  RandomSelect, ZipSelect, KMeansSelect, TrainStudent):
        register(agent)


@hookimpl
def register_commands(cli: "click.Group") -> None:
    from synthloom.plugins.selection.cli import score_alias, selection

    cli.add_command(selection)
    cli.add_command(score_alias)


@hookimpl
def register_report_sections(register: Callable[[str, Callable[..., list[Any]]], None]) -> None:
    from synthloom.plugins.selection.report import ifd_section

    register("Selection: IFD", ifd_section)
