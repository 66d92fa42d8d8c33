"""Generic agents any campaign can use: load rows from a file, generate, judge with a score, filter.

They are registered through the same hooks as third-party plugins, and serve as the reference example for
plugin authors.
"""

from __future__ import annotations

from typing import Callable

from synthloom.hookspecs import hookimpl
from synthloom.plugins.basic.agents import Filter, Generate, Judge, LoadJSONL
from synthloom.plugins.basic.kinds import Generated, Judged, Prompt


@hookimpl
def register_message_kinds(register: Callable[[type], None]) -> None:
    for kind in (Prompt, Generated, Judged):
        register(kind)


@hookimpl
def register_agents(register: Callable[[type], None]) -> None:
    for agent in (LoadJSONL, Generate, Judge, Filter):
        register(agent)

