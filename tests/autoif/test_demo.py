"""The demo campaign (examples/autoif.yaml) as it ships, on the real embedded models and the Docker sandbox: every
reply comes from the embedded models (nothing is imported), and it exports SFT examples and DPO pairs.

About 4 minutes of CPU on 2 cores (docs/autoif.md, "The demo"); its data files and exports are redirected into
the test's directory, nothing else changes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.autoif.helpers import run_spec, sql

pytestmark = [pytest.mark.docker, pytest.mark.model, pytest.mark.slow]

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def demo_campaign(tmp_path: Path) -> dict[str, Any]:
    spec = yaml.safe_load((EXAMPLES / "autoif.yaml").read_text(encoding="utf-8"))
    for agent in spec["agents"]:
        for key in ("seeds", "queries"):
            if key in agent.get("with", {}):
                agent["with"][key] = str(EXAMPLES / agent["with"][key])
    spec["export"] = [{**e, "path": str(tmp_path / Path(e["path"]).name)} for e in spec["export"]]
    del spec["store"]
    return spec


def test_the_demo_makes_sft_and_dpo_data_with_the_embedded_models_alone(tmp_path: Path) -> None:
    from synthloom.backends.embedded import CHAT_MODEL_NAME, MODEL_NAME, is_prepared

    if not (is_prepared(name=MODEL_NAME) and is_prepared(name=CHAT_MODEL_NAME)):
        pytest.skip("the embedded models have not been converted on this machine (synthloom models prepare)")
    summary, store = run_spec(tmp_path, demo_campaign(tmp_path))
    assert summary.outcome == "finished", summary
    assert sql(store, "SELECT DISTINCT split_part(backend, ':', 2) FROM model_calls ORDER BY 1") == [
        ("embedded",), ("embedded-chat",)]
    assert sql(store, "SELECT count(*) FROM messages WHERE len(parents) = 0 AND kind != 'autoif.instruction_candidate'"
                      " AND kind != 'dropped'") == [(0,)]  # every item descends from the instruction writer's reply
    rows = {e.kind: e.rows for e in summary.exports}
    assert rows["autoif.sft_example"] >= 1 and rows["autoif.dpo_pair"] >= 1
    sft = [json.loads(line) for line in (tmp_path / "sft.jsonl").read_text().splitlines()]
    assert [m["role"] for m in sft[0]["messages"]] == ["user", "assistant"]
    dpo = [json.loads(line) for line in (tmp_path / "dpo.jsonl").read_text().splitlines()]
    assert all(row["chosen"] != row["rejected"] for row in dpo)
