"""Two-model debaters: DEBATunE, "Can LLMs Speak For Diverse People? Tuning LLMs via Debate to Generate Controllable
Controversial Statements" (Li et al., ACL 2024 Findings, arXiv 2402.10614); reference code tianyi-lab/DEBATunE
(`code_debate/`, `evaluation/eval_controllability/`).

For each topic and side, the debater holding that side lists its arguments; for each argument the two debaters
(two named models of the campaign, or one) argue over several rounds, and a watcher on the holder's side turns the
debate into a final statement. The statements, with one of the reference's instruction paraphrases, are the SFT
data (`debate.conclusion`: TRL conversational SFT, or Alpaca rows with the `debate-alpaca` exporter). A judge model
scores any model's statements for controversy controllability (`debate.judgement`, `debate.cc_report`, and
`synthloom debate cc` on plain files).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from synthloom import hookimpl

if TYPE_CHECKING:
    import click

    from synthloom import Agent, Message


@hookimpl
def register_message_kinds(register: Callable[[type["Message"]], None]) -> None:
    from synthloom.plugins.debate.kinds import Arguments, CCReport, Conclusion, Judgement, Response, Topic, Turn

    for kind in (Topic, Arguments, Turn, Conclusion, Response, Judgement, CCReport):
        register(kind)


@hookimpl
def register_agents(register: Callable[[type["Agent"]], None]) -> None:
    from synthloom.plugins.debate.agents.debaters import Debaters
    from synthloom.plugins.debate.agents.judging import CC, Judge
    from synthloom.plugins.debate.agents.sources import LoadResponses, LoadTopics

    for agent in (LoadTopics, Debaters, LoadResponses, Judge, CC):
        register(agent)


@hookimpl
def register_exporters(register: Callable[[str, Callable[..., Any]], None]) -> None:
    from synthloom.plugins.debate.exporters import alpaca

    register("debate-alpaca", alpaca)


@hookimpl
def register_commands(cli: "click.Group") -> None:
    from synthloom.plugins.debate.cli import debate

    cli.add_command(debate)
