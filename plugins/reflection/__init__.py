"""The teacher reflector (Reflection-Tuning, arXiv 2310.11716): a teacher model critiques each instruction-response
pair and rewrites the instruction (with a new answer) or the response. Its output is `selection.sample` messages,
which the selection plugin's student scores and selects (Selective Reflection-Tuning), so this plugin needs it.
"""

from __future__ import annotations

from typing import Callable

from synthloom.hookspecs import hookimpl
from synthloom.plugins.reflection.agents import ReflectInstruction, ReflectResponse
from synthloom.plugins.reflection.kinds import Reflection


@hookimpl
def register_message_kinds(register: Callable[[type], None]) -> None:
    register(Reflection)


@hookimpl
def register_agents(register: Callable[[type], None]) -> None:
    for agent in (ReflectInstruction, ReflectResponse):
        register(agent)
