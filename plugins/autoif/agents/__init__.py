"""The agents of AutoIF, one per stage of the reference pipeline (QwenLM/AutoIF `code/` and `code_dpo/`), grouped by
step, and the source agents that start a campaign from AutoIF's own files.

Each is thin: it builds requests from its config, calls the model or the sandbox, hands the results to the pure
rules in `parsing`, and emits the survivor kind the next stage consumes or a core `Dropped` with the reason.
"""

from __future__ import annotations

from synthloom import Agent
from synthloom.plugins.autoif.agents.importers import (
    LoadInstructions,
    LoadResponseSets,
    LoadScoredQueries,
    LoadVerifiedInstructions,
    LoadVerifierReplies,
)
from synthloom.plugins.autoif.agents.instructions import DedupInstructions, InstructionWriter
from synthloom.plugins.autoif.agents.responses import QueryPairer, RejectionSampler, Responder
from synthloom.plugins.autoif.agents.training_data import DPOBuilder, QualityScorer
from synthloom.plugins.autoif.agents.verifiers import BackTranslator, CrossValidator, VerifierWriter

AGENTS: tuple[type[Agent], ...] = (
    InstructionWriter, DedupInstructions, VerifierWriter, CrossValidator, BackTranslator, QueryPairer, Responder,
    RejectionSampler, QualityScorer, DPOBuilder,
    LoadInstructions, LoadVerifierReplies, LoadVerifiedInstructions, LoadResponseSets, LoadScoredQueries,
)
