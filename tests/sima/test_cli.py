"""`synthloom sima critic-prompts` and `synthloom sima pairs` on files in the reference's formats."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from synthloom.plugins.sima.cli import sima
from synthloom.plugins.sima.prompts import critic_prompt

RESPONSE = {"image_path": "000000123456.jpg", "text": "What is the man holding?",
            "ground_truth": "He is holding a red umbrella.", "greedy_decodes": "An umbrella.",
            "temperature_decodes_1": "He holds a red umbrella\nand a bag.", "model_id": "llava-v1.5-13b"}


def write(path: Path, rows: list) -> Path:
    path.write_text("".join((json.dumps(r) if not isinstance(r, str) else r) + "\n" for r in rows))
    return path


def test_responses_to_critic_prompts_to_pairs(tmp_path: Path) -> None:
    responses = write(tmp_path / "responses.jsonl", [RESPONSE, {"text": "no answers"}, "not json"])
    result = CliRunner().invoke(sima, ["critic-prompts", str(responses), "--out", str(tmp_path / "prompts.jsonl")])
    assert result.exit_code == 0, result.output
    assert "wrote 1 rows" in result.output and "dropped 1 invalid_json, 1 missing_field" in result.output
    [prompt_row] = [json.loads(line) for line in (tmp_path / "prompts.jsonl").read_text().splitlines()]
    assert prompt_row["text"] == critic_prompt(RESPONSE["text"], RESPONSE["ground_truth"],
                                               RESPONSE["temperature_decodes_1"], RESPONSE["greedy_decodes"])
    assert prompt_row["image"] == "000000123456.jpg"

    base = {"id": "000000123456.jpg", "question": prompt_row["text"], "greedy_decodes": RESPONSE["greedy_decodes"],
            "temperature_decodes_1": RESPONSE["temperature_decodes_1"]}
    results = write(tmp_path / "results.jsonl", [{**base, "rank_result": "The reason: ... [[2]]."},
                                                 {**base, "rank_result": "The reason: ... [[1]]."},
                                                 {**base, "rank_result": "Both are good."}])
    result = CliRunner().invoke(sima, ["pairs", str(results), "--out", str(tmp_path / "dpo.json")])
    assert result.exit_code == 0 and "wrote 2 rows" in result.output and "1 no_verdict" in result.output
    greedy_wins, sampled_wins = json.loads((tmp_path / "dpo.json").read_text())
    assert greedy_wins["id"] == "000000123456" and greedy_wins["image"] == "000000123456.jpg"
    human = {"from": "human", "value": "<image>\nWhat is the man holding?"}
    assert greedy_wins["conversations"] == [human, {"from": "gpt", "value": "An umbrella."}]
    assert greedy_wins["rejected_conversations"] == [human, {"from": "gpt", "value": RESPONSE["temperature_decodes_1"]}]
    assert sampled_wins["conversations"][1]["value"] == RESPONSE["temperature_decodes_1"]
