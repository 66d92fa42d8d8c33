"""A base model (`prompt_style: completion`) gets few-shot completion prompts and a chat model the paper's prompts,
each asking for the stage's reply form as a constraint; replay models answer only the prompts meant for them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tests.autoif.helpers import FIXTURES, run_spec, sql

from synthloom import GenerateRequest, GenerateResponse, Generation
from synthloom.plugins.autoif import fewshot
from synthloom.plugins.autoif.agents import QualityScorer
from synthloom.plugins.autoif.kinds import PassedResponse
from synthloom.plugins.autoif.structured import SCORE_REGEX_CHAT, SCORE_REGEX_COMPLETION, VERIFIER_SCHEMA

VERIFIER_JSON = json.dumps({"func": "def evaluate(response):\n    return response == response.upper()",
                            "cases": [{"input": "YES", "output": True}, {"input": "no", "output": False},
                                      {"input": "OK", "output": True}]})

# Each rule matches the start of one style's prompt only, so a prompt of the other style finds no rule and fails.
COMPLETION_RULES = [
    {"match": "^Instructions about the format", "reply": "- Answer in all capital letters\n- Use no commas\n- Cut"},
    {"match": "^Python functions that check", "reply": VERIFIER_JSON},
    {"match": "^Python functions and the instruction", "reply": '["Answer in capital letters."]'},
    {"match": "^Does instruction A imply", "reply": " entailment"},
    {"match": "^Answers to queries", "reply": " I AM FINE."},
]
CHAT_RULES = [
    {"match": "^You are an expert for writing instructions", "reply": "- Answer in all capital letters"},
    {"match": "^You are an expert for writing evaluation", "reply": f"```json\n{VERIFIER_JSON}\n```"},
    {"match": "^You are an expert in converting", "reply": '["Answer in capital letters."]'},
    {"match": "^Decide the relation", "reply": "entailment"},
    {"match": "^Please answer the query strictly", "reply": "I AM FINE."},
]


def campaign(tmp_path: Path, style: str) -> dict[str, Any]:
    (tmp_path / "seeds.txt").write_text("Answer in all lowercase letters\nDo not use any commas\n", encoding="utf-8")
    (tmp_path / "queries.txt").write_text("How are you doing today, my friend?\n", encoding="utf-8")
    rules = COMPLETION_RULES if style == "completion" else CHAT_RULES
    agents = [
        {"name": "writer", "use": "autoif.instruction_writer",
         "with": {"seeds": "seeds.txt", "per_round": 2, "include_seeds": False}},
        {"name": "dedup", "use": "autoif.dedup_instructions"},
        {"name": "verifiers", "use": "autoif.verifier_writer", "with": {"samples": 2}},
        {"name": "load", "use": "autoif.load_verified_instructions",
         "with": {"path": str(FIXTURES / "back_trans.jsonl"), "limit": 1}},
        {"name": "back", "use": "autoif.back_translator"},
        {"name": "pair", "use": "autoif.query_pairer", "with": {"queries": "queries.txt", "per_instruction": 1}},
        {"name": "respond", "use": "autoif.responder", "with": {"samples": 1}},
    ]
    return {"name": f"style-{style}", "models": {"m": {"backend": "replay", "prompt_style": style, "rules": rules}},
            "agents": agents}


def requests_of(store: Path, agent: str) -> list[dict[str, Any]]:
    return [json.loads(r) for (r,) in sql(store, f"SELECT request FROM model_calls WHERE agent = '{agent}'")]


@pytest.mark.parametrize("style", ["completion", "chat"])
def test_each_stage_prompts_in_the_models_style(tmp_path: Path, style: str) -> None:
    summary, store = run_spec(tmp_path, campaign(tmp_path, style))
    assert summary.status == "finished" and all(a.failed == 0 for a in summary.agents.values()), summary
    for agent in ("writer", "verifiers", "back", "respond"):
        requests = requests_of(store, agent)
        assert requests, agent
        for request in requests:
            assert (request["prompt"] is not None) == (style == "completion"), agent
            assert (request["messages"] is not None) == (style == "chat"), agent
    assert all(r["json_schema"] == VERIFIER_SCHEMA for r in requests_of(store, "verifiers"))
    choices = {tuple(r["choice"]) for r in requests_of(store, "back") if r.get("choice")}
    assert choices == {tuple(fewshot.NLI_CHOICES) if style == "completion" else fewshot.NLI_LABELS}
    counts = dict(sql(store, "SELECT kind, count(*) FROM messages GROUP BY kind"))
    # a base model's list is capped at `per_round` lines; the paper's prompt asks for that many itself
    assert counts["autoif.instruction"] == (2 if style == "completion" else 1)
    assert counts["autoif.checked_instruction"] == 1 and counts["autoif.response_set"] == 1
    assert sql(store, "SELECT DISTINCT json_only FROM autoif_verifier_set") == [(True,)]
    responses = sql(store, "SELECT responses FROM autoif_response_set")
    assert json.loads(responses[0][0]) == ["I AM FINE."]  # a base model's answer loses the space after `Answer:`


def test_verifier_prompt_shows_the_nearest_examples_last() -> None:
    prompt = fewshot.verifier("Answer in all capital letters, please", shots=2)
    assert prompt.endswith("Instruction: Answer in all capital letters, please\n")
    shown = [line for line in prompt.splitlines() if line.startswith("Instruction: ")]
    assert shown[-2] == "Instruction: Answer in all capital letters"


@pytest.mark.parametrize("example", fewshot.VERIFIERS, ids=lambda e: e.instruction)
def test_verifier_examples_pass_their_own_cases(example: fewshot.VerifierExample) -> None:
    namespace: dict[str, Any] = {}
    exec(example.func, namespace)  # our own example code, not model output
    assert [namespace["evaluate"](i) for i, _ in example.cases] == [o for _, o in example.cases]
    assert json.loads(example.reply())["func"] == example.func


class RecordingModel:
    def __init__(self, style: str, reply: str) -> None:
        self.prompt_style = style
        self.reply = reply
        self.requests: list[GenerateRequest] = []

    async def generate(self, requests: list[GenerateRequest]) -> list[GenerateResponse]:
        self.requests += requests
        return [GenerateResponse(generations=[Generation(text=self.reply)]) for _ in requests]


class FakeContext:
    def __init__(self, model: RecordingModel) -> None:
        self._model = model

    def model(self, name: str | None = None) -> RecordingModel:
        return self._model

    def seed_for(self, *keys: object) -> int:
        return 0


@pytest.mark.parametrize("style, regex", [("completion", SCORE_REGEX_COMPLETION), ("chat", SCORE_REGEX_CHAT)])
def test_quality_judge_prompts_in_the_models_style(style: str, regex: str) -> None:
    import asyncio

    model = RecordingModel(style, "Fine.\nScore: 9" if style == "chat" else "Score: 9")
    item = PassedResponse(instruction="Answer in all capital letters", query="How are you?", response="I AM FINE.",
                          pass_rate=1.0)
    out = asyncio.run(QualityScorer().handle([item], FakeContext(model)))
    (request,) = model.requests
    assert request.regex == regex
    if style == "completion":
        assert request.prompt is not None and request.prompt.startswith(fewshot.JUDGE_HEAD)
        assert request.prompt.endswith("Response: I AM FINE.\n")
    else:
        assert request.messages is not None and "Please only provide a score" in request.messages[-1].content
    assert [m.kind for m in out] == ["autoif.sft_example"]
