"""A base-model teacher (`prompt_style: completion`) gets few-shot completion prompts in the reference's tagged form,
a chat teacher the reference prompts; both ask for the tagged reply as a regex, and the same parser reads both."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from synthloom import run_campaign
from synthloom.plugins.reflection import fewshot
from synthloom.plugins.reflection.parsing import INSTRUCTION_REPLY, RESPONSE_REPLY
from synthloom.store import query

# Rules matching only one style's prompts: a prompt of the other style finds none and fails its item.
RULES = {
    "completion": [
        {"match": "^Weak instructions",
         "reply": "[New Instruction] Name two primes. [End]\n[New Answer] 2 and 3. [End]"},
        {"match": "^Instructions with a poor answer", "reply": "[Better Answer] Hello to you too! [End]"},
    ],
    "chat": [
        {"match": "quality of a given instruction", "reply": "1. Vague.\n2. [New Instruction] Name two primes. [End]\n"
                                                           "3. [New Answer] 2 and 3. [End]"},
        {"match": "quality of the answer", "reply": "1. Short.\n2. [Better Answer] Hello to you too! [End]"},
    ],
}


@pytest.mark.parametrize("style", ["completion", "chat"])
def test_the_teacher_is_prompted_in_its_style(tmp_path: Path, style: str) -> None:
    data = tmp_path / "data.jsonl"
    data.write_text(json.dumps({"instruction": "Say hi", "input": "", "output": "Hi"}) + "\n")
    campaign = {"name": f"reflect-{style}",
                "models": {"teacher": {"backend": "replay", "prompt_style": style, "rules": RULES[style]}},
                "agents": [{"name": "load", "use": "selection.load_alpaca", "with": {"path": str(data)}},
                           {"name": "ri", "use": "reflection.instruction", "inputs": ["load"]},
                           {"name": "rr", "use": "reflection.response", "inputs": ["load"]}]}
    path = tmp_path / "campaign.yaml"
    path.write_text(yaml.safe_dump(campaign))
    summary = run_campaign(path, store=tmp_path / "store.duckdb")
    assert summary is not None and summary.failed == 0
    _, rows = query(summary.store, "SELECT direction, status, instruction, output FROM reflection_reflection "
                                   "ORDER BY direction")
    assert rows == [("instruction", "reflected", "Name two primes.", "2 and 3."),
                    ("response", "reflected", "Say hi", "Hello to you too!")]
    _, requests = query(summary.store, "SELECT agent, request FROM model_calls ORDER BY agent")
    regex = {"ri": INSTRUCTION_REPLY, "rr": RESPONSE_REPLY}
    for agent, text in requests:
        request = json.loads(text)
        assert request["regex"] == regex[agent]
        assert (request["prompt"] is not None) == (style == "completion")
        if style == "completion":
            assert request["prompt"].endswith("[The Start of Answer]\nHi\n[The End of Answer]\n")
            assert request["stop"] == fewshot.STOP
