"""Message kinds of the AutoIF pipeline, one per hand-off between stages.

Every stage emits either the survivor kind the next stage consumes, or a core `dropped` message saying why an item
stopped there, so that "where did my data go" is one SQL query rather than a diff of files.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from synthloom import Message
from synthloom.plugins.autoif.prompts import join_query_instruction


class InstructionCandidate(Message):
    """An instruction before deduplication: a seed, or one line of an instruction writer's reply."""

    kind: str = "autoif.instruction_candidate"
    text: str
    origin: str = "generated"
    round: int = 0


class Instruction(Message):
    """A unique instruction about the format of a response, to be verified by code."""

    kind: str = "autoif.instruction"
    text: str
    origin: str = "generated"


class VerifierSet(Message):
    """All verifier-writer replies for one instruction (a row of AutoIF's `eval_func_rft.jsonl`).

    `json_only`: the replies were asked for as bare JSON (structured output, or a base model's few-shot prompt),
    not inside the ```json fence the paper's prompt leads to, so reading them needs no fence."""

    kind: str = "autoif.verifier_set"
    instruction: str
    prompt: str = ""
    replies: list[str] = Field(default_factory=list)
    json_only: bool = False


class ScoredFunction(BaseModel):
    func: str
    accuracy: float


class Case(BaseModel):
    input: Any
    output: Any


class VerifiedInstruction(Message):
    """An instruction with the functions and cases that survived cross-validation (`cross_validation.jsonl`)."""

    kind: str = "autoif.verified_instruction"
    instruction: str
    eval_funcs: list[ScoredFunction]
    cases: list[Case]


class CheckedInstruction(Message):
    """A verified instruction whose first functions, translated back into instructions, do not contradict it
    (a row of `back_trans.jsonl`, plus the judge's labels)."""

    kind: str = "autoif.checked_instruction"
    instruction: str
    eval_funcs: list[ScoredFunction]
    cases: list[Case]
    back_instructions: list[str] = Field(default_factory=list)
    nli_labels: list[str] = Field(default_factory=list)


class FunctionVerdict(Message):
    """One unique verification function after cross-validation: its accuracy on the kept cases, and whether it
    survived."""

    kind: str = "autoif.function_verdict"
    instruction: str
    func: str
    accuracy: float
    kept: bool
    cases_evaluated: int
    errors: int


class Query(Message):
    """An instruction paired with a user query: the prompt the responder answers."""

    kind: str = "autoif.query"
    instruction: str
    query: str
    prompt: str
    eval_funcs: list[ScoredFunction]


class ResponseSet(Message):
    """The K sampled responses to one query (a row of `query_rft.jsonl` or `dpo_query_w_funcs.jsonl`)."""

    kind: str = "autoif.response_set"
    instruction: str
    query: str
    prompt: str
    eval_funcs: list[ScoredFunction]
    responses: list[str]


class ScoredResponse(BaseModel):
    response: str
    pass_rate: float


class ScoredQuery(Message):
    """Every response of one query with its pass rate (a row of `dpo_query_eval_score_results.jsonl`)."""

    kind: str = "autoif.scored_query"
    instruction: str
    query: str
    responses: list[ScoredResponse]


class PassedResponse(Message):
    """A response whose pass rate is above the rejection-sampling threshold."""

    kind: str = "autoif.passed_response"
    instruction: str
    query: str
    response: str
    pass_rate: float


class SFTExample(Message):
    """A response that passed execution feedback and the quality judge."""

    kind: str = "autoif.sft_example"
    instruction: str
    query: str
    response: str
    pass_rate: float
    scores: list[int]
    mean_score: float

    def to_sft(self) -> dict[str, Any]:
        return {"messages": [{"role": "user", "content": join_query_instruction(self.query, self.instruction)},
                             {"role": "assistant", "content": self.response}]}


class DPOPair(Message):
    """A response that passes the verifiers (chosen) against one that fails all of them (rejected)."""

    kind: str = "autoif.dpo_pair"
    instruction: str
    query: str
    chosen: str
    rejected: str
    chosen_pass_rate: float
    rejected_pass_rate: float

    def to_dpo(self) -> dict[str, Any]:
        return {"prompt": [{"role": "user", "content": join_query_instruction(self.query, self.instruction)}],
                "chosen": [{"role": "assistant", "content": self.chosen}],
                "rejected": [{"role": "assistant", "content": self.rejected}]}


ALL_KINDS: tuple[type[Message], ...] = (
    InstructionCandidate, Instruction, VerifierSet, VerifiedInstruction, CheckedInstruction,
    FunctionVerdict, Query, ResponseSet,
    ScoredQuery, PassedResponse, SFTExample, DPOPair,
)
