"""The shipped example campaigns: the reference-settings one runs end to end with its API model replaced by a replay
model; the embedded-model one runs as shipped, on its first topic."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from synthloom import query, run_campaign

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def example(tmp_path: Path, name: str, **changes) -> Path:
    """The example with its data paths made absolute and its exports under tmp_path."""
    data = yaml.safe_load((EXAMPLES / name).read_text())
    data["agents"][0]["with"]["path"] = str(EXAMPLES / data["agents"][0]["with"]["path"])
    data["agents"][0]["with"].update(changes)
    for spec in data["export"]:
        spec["path"] = str(tmp_path / Path(spec["path"]).name)
    return data


def write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "campaign.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_the_reference_settings_example_runs_with_a_stand_in_for_its_api_model(tmp_path: Path) -> None:
    assert run_campaign(EXAMPLES / "debate_litellm.yaml", check_only=True) is None
    data = example(tmp_path, "debate_litellm.yaml")
    data["models"]["debater"] = {"backend": "replay", "default": "A turn.", "rules": [
        {"match": "serial digit", "reply": "1. One.\n2. Two.\n3. Three.\n4. Four."}]}
    summary = run_campaign(write(tmp_path, data), store=tmp_path / "s.duckdb")
    assert summary.outcome == "finished"
    _, turns = query(summary.store, "SELECT max(turn), count(DISTINCT debate) FROM debate_turn")
    assert turns == [(4, 3 * 2 * 3)]  # 3 topics x 2 sides x 3 arguments, 2 rounds each
    rows = json.loads((tmp_path / "alpaca.json").read_text())
    assert len(rows) == 18 and set(rows[0]) == {"instruction", "input", "output"}


@pytest.mark.model
@pytest.mark.slow
def test_the_embedded_example_debates_its_first_topic(tmp_path: Path) -> None:
    from synthloom.backends.embedded import is_prepared

    if not is_prepared():
        pytest.skip("the embedded model has not been converted on this machine (synthloom models prepare)")
    summary = run_campaign(write(tmp_path, example(tmp_path, "debate.yaml", limit=1)), store=tmp_path / "s.duckdb")
    assert summary.outcome == "finished" and summary.agents["debate"].failed == 0
    _, made = query(summary.store, "SELECT count(*) FROM debate_conclusion")
    _, dropped = query(summary.store, "SELECT count(*) FROM dropped")
    assert made[0][0] + dropped[0][0] == 4  # the zoo topic's 2 x 2 given arguments: each debated, or dropped
    assert len((tmp_path / "sft.jsonl").read_text().splitlines()) == made[0][0]
