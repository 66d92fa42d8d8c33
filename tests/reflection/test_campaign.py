"""The example campaign's wiring (teacher -> four versions -> student scores -> selection rule), with a replay
student so that it runs in seconds; `test_example_with_the_embedded_student` runs the file as shipped."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from synthloom import RunSummary, run_campaign
from synthloom.store import query

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "selective_reflection.yaml"


def run(path: Path, store: Path) -> RunSummary:
    summary = run_campaign(path, store=store)
    assert summary is not None
    return summary


def example_with(tmp_path: Path, student: dict[str, Any] | None = None, **changes: Any) -> Path:
    data = yaml.safe_load(EXAMPLE.read_text())
    data["agents"][0]["with"]["path"] = str(EXAMPLE.parent / "data" / "alpaca_small.jsonl")
    if student is not None:
        data["models"]["student"] = student
    data.update(changes)
    path = tmp_path / "campaign.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


REPLAY_STUDENT = {"backend": "replay", "score_function": "tests.reflection.replay_student:score"}


def test_selective_reflection_campaign_applies_the_reference_rule(tmp_path: Path) -> None:
    store = tmp_path / "store.duckdb"
    summary = run(example_with(tmp_path, REPLAY_STUDENT), store)
    assert summary.status == "finished"
    _, variants = query(store, "SELECT variant, count(*) FROM selection_sample GROUP BY variant ORDER BY variant")
    assert variants == [("both", 8), ("instruction", 8), ("original", 8), ("response", 8)]
    _, chosen = query(store, "SELECT variant, count(*) FROM selection_selected GROUP BY variant ORDER BY variant")
    # Seven teachers' instruction reflections raised IFD and their better answers lowered r-IFD; the one reply
    # without tags fell back to the original instruction, so only its reflected response could win.
    assert chosen == [("both", 7), ("response", 1)]
    _, fallback = query(store, "SELECT instruction, json_array_length(replies) FROM reflection_reflection WHERE status = 'fallback'")
    assert fallback == [("Name a prime number greater than 10.", 2)]  # asked once more, as the reference does
    _, dropped = query(store, "SELECT reason, count(*) FROM dropped WHERE stage = 'select' GROUP BY reason")
    assert dropped == [("version_not_chosen", 24)]


def test_refusals_and_missing_tags_keep_the_original(tmp_path: Path) -> None:
    data_path = tmp_path / "data.jsonl"
    data_path.write_text(json.dumps({"instruction": "Hi", "input": "", "output": "Hello!"}) + "\n")
    campaign = {
        "name": "refusal", "models": {"teacher": {"backend": "replay", "rules": [
            {"match": "quality of the answer", "reply": "1. Fine.\n2. [Better Answer] I'm sorry, but I cannot. [End]"},
            {"match": "quality of a given instruction", "reply": "No blocks at all."}]}},
        "agents": [{"name": "load", "use": "selection.load_alpaca", "with": {"path": str(data_path)}},
                   {"name": "ri", "use": "reflection.instruction", "inputs": ["load"]},
                   {"name": "rr", "use": "reflection.response", "inputs": ["load"], "with": {"retries": 0}}],
    }
    path = tmp_path / "campaign.yaml"
    path.write_text(yaml.safe_dump(campaign))
    store = tmp_path / "store.duckdb"
    assert run(path, store).status == "finished"
    _, rows = query(store, "SELECT variant, instruction, output FROM selection_sample ORDER BY variant")
    assert rows == [("instruction", "Hi", "Hello!"), ("original", "Hi", "Hello!"), ("response", "Hi", "Hello!")]
    _, records = query(store, "SELECT direction, status, problems, json_array_length(replies) FROM reflection_reflection "
                              "ORDER BY direction")
    assert records[0][:2] == ("instruction", "fallback") and records[0][3] == 2
    assert records[1][:2] == ("response", "fallback") and "refusal" in records[1][2] and records[1][3] == 1


@pytest.mark.model
@pytest.mark.slow
def test_example_with_the_embedded_student(tmp_path: Path) -> None:
    from synthloom.backends.embedded import is_prepared

    if not is_prepared():
        pytest.skip("the embedded model has not been converted on this machine (synthloom models prepare)")
    store = tmp_path / "store.duckdb"
    summary = run(example_with(tmp_path), store)
    assert summary.status == "finished" and summary.agents["score"].failed == 0
    _, scored = query(store, "SELECT count(*), count(ifd), count(rifd) FROM selection_ifd_score")
    assert scored == [(32, 32, 32)]
    _, decisions = query(store, "SELECT (SELECT count(*) FROM selection_selected) + "
                                "(SELECT count(*) FROM dropped WHERE stage = 'select')")
    assert decisions == [(32,)]
