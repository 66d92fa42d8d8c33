"""The kbert agents: making training pairs, training the pair model, semantic dedup and the consistency judge."""

from __future__ import annotations

from synthloom import Agent
from synthloom.plugins.kbert.agents.consistency import ConsistencyJudge
from synthloom.plugins.kbert.agents.dedup import DedupInstructions, DedupPrompts
from synthloom.plugins.kbert.agents.pairs import PairWriter
from synthloom.plugins.kbert.agents.training import TrainPairModel

AGENTS: tuple[type[Agent], ...] = (PairWriter, TrainPairModel, DedupInstructions, DedupPrompts, ConsistencyJudge)
