"""The example campaigns validate against the installed plugins, and the demo queries run on a real store."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.autoif.helpers import FIXTURES, run_spec, sql

from synthloom.plugins.autoif.survival import STAGES, demo_queries, report, stopped_at

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.mark.parametrize("name", ["autoif.yaml", "autoif_recorded.yaml", "autoif_litellm.yaml", "autoif_vllm.yaml"])
def test_example_campaigns_validate(name: str) -> None:
    from synthloom.campaign import load_campaign
    from synthloom.registry.contributions import build_registry

    plan = load_campaign(EXAMPLES / name, build_registry())
    uses = {agent.spec.use for agent in plan.agents}
    assert {"autoif.cross_validator", "autoif.rejection_sampler", "autoif.dpo_builder"} <= uses
    assert {e.kind for e in plan.campaign.export} == {"autoif.sft_example", "autoif.dpo_pair"}


def test_demo_queries_and_report_on_a_store(tmp_path: Path) -> None:
    agents = [{"name": "scored", "use": "autoif.load_scored_queries",
               "with": {"path": str(FIXTURES / "dpo_query_eval_score_results.jsonl")}},
              {"name": "dpo", "use": "autoif.dpo_builder"}]
    summary, store = run_spec(tmp_path, {"name": "queries", "agents": agents})
    for text in demo_queries():
        sql(store, text)  # each runs without error on an AutoIF store
    assert sql(store, demo_queries()[0])[0][:2] == ("dpo", "no_pair")
    text = report(summary)
    assert "DPO pairs" in text and "dpo: no_pair" in text and str(store) in text


def test_a_missing_seed_file_is_refused_before_anything_runs(tmp_path: Path) -> None:
    import synthloom

    path = tmp_path / "campaign.yaml"
    path.write_text("name: x\nmodels: {m: {backend: replay}}\nagents:\n"
                    "  - {name: w, use: autoif.instruction_writer, with: {seeds: missing.txt}}\n", encoding="utf-8")
    with pytest.raises(synthloom.ConfigError, match="missing.txt"):
        synthloom.run_campaign(path, store=tmp_path / "store.duckdb", check_only=True)


def test_the_report_names_the_stage_that_stopped_each_output() -> None:
    reached = {"instruction candidates": 6, "unique instructions": 5, "verifier reply sets": 5,
               "functions cross-validated": 4, "instructions verified": 2, "instructions after back-translation": 2,
               "(instruction, query) prompts": 4, "response sets": 4, "responses passing the verifiers": 3}
    stages = [(label, reached.get(label, 0)) for label, _, _ in STAGES]
    drops = [("quality", "low_quality_score", 2), ("quality", "no_score", 1), ("dpo", "no_pair", 4)]
    assert stopped_at(stages, drops) == [
        "no SFT examples: the chain stopped at 'SFT examples (quality-judged)' (quality: low_quality_score x2, "
        "no_score x1)",
        "no DPO pairs: the chain stopped at 'DPO pairs' (dpo: no_pair x4)"]
    stages = [(label, 3 if label == "DPO pairs" else 0) for label, _, _ in STAGES]  # started from imported files
    assert stopped_at(stages, []) == []
    assert stopped_at([(label, 1) for label, _, _ in STAGES], []) == []
