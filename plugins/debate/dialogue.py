"""Who speaks next in a debate, and when it ends: the reference's order, for any number of rounds.

Each round has two turns: the holder of the side under debate speaks first (it explains, later it answers and
rebuts), then its opponent (it rebuts with critical questions, later it answers and rebuts). After `rounds` rounds
the watcher on the holder's side concludes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

SIDES = ("affirmative", "negative")

Speaker = Literal["holder", "opponent", "watcher"]


@dataclass(frozen=True)
class Step:
    """What comes after `done` turns: turn number `turn` (1-based) by `speaker`, arguing `stance`."""

    turn: int
    speaker: Speaker
    stance: str


def opposite(side: str) -> str:
    return SIDES[1 - SIDES.index(side)]


def next_step(side: str, done: int, rounds: int) -> Step:
    """The step after `done` turns of a debate opened by the holder of `side`."""
    if done >= 2 * rounds:
        return Step(done + 1, "watcher", side)
    if done % 2 == 0:
        return Step(done + 1, "holder", side)
    return Step(done + 1, "opponent", opposite(side))
