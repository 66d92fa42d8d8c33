"""The teacher reflector: Reflection-Tuning ("Reflection-Tuning: Data Recycling Improves LLM Instruction-Tuning",
arXiv 2310.11716; reference repo tianyi-lab/Reflection_Tuning). A teacher model critiques each instruction-response
pair and rewrites the instruction (with a new answer) or the response.

It produces `selection.sample` messages (the reflected variants), which the selection plugin's student scores and
selects (Selective Reflection-Tuning, arXiv 2402.10110), so this plugin needs it; and a `reflection.reflection`
record per reflection, with the teacher's replies and whether they were usable.
"""

from __future__ import annotations

from typing import Callable

from synthloom import Agent, Message, hookimpl


@hookimpl
def register_message_kinds(register: Callable[[type[Message]], None]) -> None:
    from synthloom.plugins.reflection.kinds import Reflection

    register(Reflection)


@hookimpl
def register_agents(register: Callable[[type[Agent]], None]) -> None:
    from synthloom.plugins.reflection.agents import ReflectInstruction, ReflectResponse

    for agent in (ReflectInstruction, ReflectResponse):
        register(agent)
