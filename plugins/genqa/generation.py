"""The GenQA loop shared by the `genqa.generate` source and `synthloom genqa generate`: plan each call (its random
topic, N1, N2 and booster, fixed by the seed and the call's number), ask the model a batch of calls at a time, parse,
and deduplicate, until `target` distinct pairs exist or `max_calls` calls were made.

Everything a call does is a function of (seed, call number), and replies come from the response cache when asked
again. So a resumed run replays the calls already made for free, rebuilding what has been seen, and goes on where it
stopped: the same pairs, the same drops, in the same order.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, AsyncIterator

from synthloom import ConfigError, SamplingConfig
from synthloom.plugins.genqa import prompts
from synthloom.plugins.genqa.parsing import QA, Drop, check_lists, dedup_key, parse_qa

if TYPE_CHECKING:
    from synthloom import ModelClient

CONDITIONED = ("static_conditional", "generator_conditional")


@dataclass(frozen=True)
class Settings:
    variant: prompts.Variant = "generator_nested"
    sampling: SamplingConfig = field(default_factory=lambda: SamplingConfig(temperature=1.0, max_tokens=2048))
    topics: tuple[str, ...] = ()
    booster: str | None = prompts.DEFAULT_BOOSTER
    random_booster: bool = False
    sizes: tuple[int, int] | None = None
    typos: bool = False

    def check(self) -> None:
        if self.variant in CONDITIONED and not self.topics:
            raise ConfigError(f"GenQA's {self.variant} prompt draws a topic per call: give a topic list",
                              hint="`topics:` in the campaign (a text file, one topic per line), --topics on the "
                                   "command line")


@dataclass(frozen=True)
class Call:
    """One planned call: its number, prompt and the random choices that went into it."""

    number: int
    prompt: str
    topic: str | None
    n1: int | None
    n2: int | None
    booster: str | None

    def needed(self) -> list[int]:
        return [n for n in (self.n1, self.n2) if n is not None]


@dataclass(frozen=True)
class Pair:
    call: Call
    qa: QA
    key: str


@dataclass(frozen=True)
class Dropped:
    call: Call
    drop: Drop
    subject: str = ""


def plan(settings: Settings, seed: int, number: int) -> Call:
    """The prompt of call `number`: topic and item numbers drawn uniformly, the booster fixed or drawn."""
    rng = random.Random(f"genqa:{seed}:{number}")
    variant = settings.variant
    size1, size2 = settings.sizes or prompts.SIZES.get(variant, (0, 0))
    topic = rng.choice(settings.topics) if variant in CONDITIONED else None
    n1 = rng.randint(1, size1) if variant in ("generator_conditional", "generator_nested") else None
    n2 = rng.randint(1, size2) if variant == "generator_nested" else None
    booster = rng.choice(prompts.BOOSTERS) if settings.random_booster else settings.booster
    if variant not in prompts.BOOSTED and not settings.random_booster and booster == prompts.DEFAULT_BOOSTER:
        booster = None  # the static prompts carry no booster in the paper
    values = {"random_topic": topic, "N": n1, "N1": n1, "N2": n2, "size": size1, "size1": size1, "size2": size2}
    text = prompts.fill(prompts.TEMPLATES[variant], values, booster=booster, typos=settings.typos)
    return Call(number, text, topic, n1, n2, booster)


def read_reply(call: Call, text: str, variant: str) -> QA | Drop:
    """The pair in a reply, after checking the lists the prompt asked for."""
    problem = check_lists(text, call.needed()) if call.needed() or variant == "generator_uniform" else None
    return problem or parse_qa(text, markers=variant != "static_conditional")


async def generate(client: "ModelClient", settings: Settings, seed: int, *, target: int, max_calls: int,
                   batch: int = 16) -> AsyncIterator[Pair | Dropped]:
    """Pairs and drops in call order, until `target` distinct pairs or `max_calls` calls."""
    settings.check()
    seen: set[str] = set()
    number = 0
    while len(seen) < target and number < max_calls:
        calls = [plan(settings, seed, n) for n in range(number, min(number + batch, max_calls))]
        number += len(calls)
        replies = await client.generate([settings.sampling.request(c.prompt, seed=seed * 1_000_003 + c.number, n=1)
                                         for c in calls])
        for call, reply in zip(calls, replies):
            if len(seen) >= target:
                return
            if reply.error is not None or not reply.generations:
                yield Dropped(call, Drop("call_failed", f"the model call failed: {reply.error}"))
                continue
            found = read_reply(call, reply.generations[0].text, settings.variant)
            if isinstance(found, Drop):
                yield Dropped(call, found, reply.generations[0].text[:200])
                continue
            key = dedup_key(found.question)
            if key in seen:
                yield Dropped(call, Drop("duplicate", "same first two sentences as an earlier question"), key[:200])
                continue
            seen.add(key)
            yield Pair(call, found, key)
