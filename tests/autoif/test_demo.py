"""The demo campaign (examples/autoif.yaml) as it ships, on the real embedded models and the Docker sandbox: every
reply comes from the embedded models (nothing is imported), and it exports SFT examples and DPO pairs.

About 6 minutes on 2 cores (docs/autoif.md, "The demo"). The file is copied unchanged beside a link to the
examples' data, so that its relative paths, hence its agents' configurations, message ids and sampling seeds, are
the demo's own; only the store and the exports land in the test's directory.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from synthloom import run_campaign
from synthloom.store import query

pytestmark = [pytest.mark.docker, pytest.mark.model, pytest.mark.slow]

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_the_demo_makes_sft_and_dpo_data_with_the_embedded_models_alone(tmp_path: Path) -> None:
    from synthloom.backends.embedded import CHAT_MODEL_NAME, MODEL_NAME, is_prepared

    if not (is_prepared(name=MODEL_NAME) and is_prepared(name=CHAT_MODEL_NAME)):
        pytest.skip("the embedded models have not been converted on this machine (synthloom models prepare)")
    (tmp_path / "examples").mkdir()
    (tmp_path / "examples" / "data").symlink_to(EXAMPLES / "data")
    campaign = shutil.copy(EXAMPLES / "autoif.yaml", tmp_path / "examples" / "autoif.yaml")
    summary = run_campaign(campaign, store=tmp_path / "store.duckdb")
    assert summary is not None and summary.outcome == "finished", summary
    assert sql(summary.store, "SELECT DISTINCT split_part(backend, ':', 2) FROM model_calls ORDER BY 1") == [
        ("embedded",), ("embedded-chat",)]
    assert sql(summary.store, "SELECT count(*) FROM messages WHERE len(parents) = 0 AND kind NOT IN "
                              "('autoif.instruction_candidate', 'dropped')") == [(0,)]  # all from the writer's reply
    rows = {e.kind: e.rows for e in summary.exports}
    assert rows["autoif.sft_example"] >= 1 and rows["autoif.dpo_pair"] >= 1
    exported = tmp_path / "runs" / "autoif-demo"
    sft = [json.loads(line) for line in (exported / "sft.jsonl").read_text().splitlines()]
    assert [m["role"] for m in sft[0]["messages"]] == ["user", "assistant"]
    dpo = [json.loads(line) for line in (exported / "dpo.jsonl").read_text().splitlines()]
    assert all(row["chosen"] != row["rejected"] for row in dpo)


def sql(store: str, text: str) -> list[tuple]:
    return query(store, text)[1]
