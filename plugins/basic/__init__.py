"""Generic agents any campaign can use: load rows (or images) from files, generate, judge with a score, filter.

They are registered through the same hooks as third-party plugins, and have the shape every plugin has (see
docs/plugins.md): hooks here, kinds in `kinds`, agents in `agents`, prompts in `prompts`, pure rules in `parsing`.
"""

from __future__ import annotations

from typing import Callable

from synthloom import Agent, Message, hookimpl


@hookimpl
def register_message_kinds(register: Callable[[type[Message]], None]) -> None:
    from synthloom.plugins.basic.kinds import Generated, Judged, Prompt, VisualPrompt

    for kind in (Prompt, Generated, Judged, VisualPrompt):
        register(kind)


@hookimpl
def register_agents(register: Callable[[type[Agent]], None]) -> None:
    from synthloom.plugins.basic.agents import Filter, Generate, Judge, LoadImageFolder, LoadJSONL, LoadVision

    for agent in (LoadJSONL, LoadVision, LoadImageFolder, Generate, Judge, Filter):
        register(agent)
