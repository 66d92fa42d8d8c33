"""The example campaigns validate against the installed plugins, and the demo queries run on a real store."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FIXTURES, run_campaign, sql

from synthloom.plugins.autoif import demo_queries
from synthloom.plugins.autoif.summary import report

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.mark.parametrize("name", ["autoif.yaml", "autoif_litellm.yaml", "autoif_vllm.yaml"])
def test_example_campaigns_validate(name: str) -> None:
    from synthloom.campaign import load_campaign
    from synthloom.registry.contributions import build_registry

    campaign, agents = load_campaign(EXAMPLES / name, build_registry())
    uses = {spec.use for spec, _, _ in agents}
    assert {"autoif.cross_validator", "autoif.rejection_sampler", "autoif.dpo_builder"} <= uses
    assert {e.kind for e in campaign.export} == {"autoif.sft_example", "autoif.dpo_pair"}


def test_demo_queries_and_report_on_a_store(tmp_path: Path) -> None:
    agents = [{"name": "scored", "use": "autoif.load_scored_queries",
               "with": {"path": str(FIXTURES / "dpo_query_eval_score_results.jsonl")}},
              {"name": "dpo", "use": "autoif.dpo_builder"}]
    summary, store = run_campaign(tmp_path, {"name": "queries", "agents": agents})
    for text in demo_queries():
        sql(store, text)  # each runs without error on an AutoIF store
    assert sql(store, demo_queries()[0])[0][:2] == ("dpo", "no_pair")
    text = report(None, summary)
    assert "DPO pairs" in text and "dpo: no_pair" in text and str(store) in text
