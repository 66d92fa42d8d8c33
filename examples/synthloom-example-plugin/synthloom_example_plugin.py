"""The example_plugin synthloom plugin: asks a model to paraphrase each prompt.

synthloom finds this module through the `synthloom` entry point in pyproject.toml and calls the functions marked
with `@hookimpl`; each hands its contributions to the `register` callback it receives.
"""

from __future__ import annotations

from typing import Callable

from pydantic import Field

from synthloom.agents import Agent, AgentConfig
from synthloom.backends.base import ChatMessage, GenerateRequest
from synthloom.context import Context
from synthloom.hookspecs import hookimpl
from synthloom.messages import Message
from synthloom.plugins.basic.kinds import Prompt


class Paraphrase(Message):
    """A prompt said in other words; `parents` links it to the prompt it came from."""

    kind: str = "example_plugin.paraphrase"
    instruction: str
    paraphrase: str


class ParaphraseConfig(AgentConfig):
    """The agent's parameters: the `with:` block of the campaign file, validated before anything runs."""

    template: str = "Paraphrase this instruction, keeping its meaning: {instruction}"
    temperature: float = 0.7
    max_tokens: int = Field(default=128, ge=1)


class Paraphraser(Agent):
    """Paraphrases prompts with the agent's model, a whole batch per model call."""

    name = "example_plugin.paraphrase"
    consumes = (Prompt,)
    produces = (Paraphrase,)
    Config = ParaphraseConfig
    batch_size = 32

    async def handle(self, batch: list[Prompt], ctx: Context) -> list[Paraphrase]:
        cfg = self.config
        requests = [
            GenerateRequest(
                messages=[ChatMessage(role="user", content=cfg.template.format(instruction=prompt.instruction))],
                temperature=cfg.temperature,
                max_tokens=cfg.max_tokens,
                # Seeding by the input's id keeps sampling reproducible however inputs are batched or resumed.
                seed=ctx.seed_for(prompt.id),
            )
            for prompt in batch
        ]
        responses = await ctx.model().generate(requests)
        return [
            Paraphrase(parents=[prompt], instruction=prompt.instruction, paraphrase=response.texts()[0].strip())
            for prompt, response in zip(batch, responses)
        ]


@hookimpl
def register_message_kinds(register: Callable[[type], None]) -> None:
    register(Paraphrase)


@hookimpl
def register_agents(register: Callable[[type], None]) -> None:
    register(Paraphraser)
