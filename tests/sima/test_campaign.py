"""SIMA end to end on a tiny Llava and real photographs: answers, critiques, pairs, the store, the export with its
images, and two DPO steps on the exported pairs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from synthloom import query, run_campaign
from tests.sima.conftest import prompt_rows

pytestmark = pytest.mark.model


def test_answers_critiques_pairs_export_and_dpo(tmp_path: Path, campaign, photos, tiny_llava) -> None:
    summary = run_campaign(campaign(prompt_rows(photos), critique={"order": "both"}), store=tmp_path / "s.duckdb")
    assert summary.outcome == "finished"
    assert (summary.agents["respond"].handled, summary.agents["critique"].handled) == (5, 5)
    store = summary.store
    _, responses = query(store, "SELECT image_name, question, ground_truth, greedy <> '' FROM sima_responses "
                                "ORDER BY image_name, question")
    assert [r[0] for r in responses] == ["astronaut.png", "chelsea.png", "chelsea.png", "coffee.png", "rocket.jpg"]
    assert responses[1][1:3] == ("Is there a cat? no verdict", "Yes, a cat.")  # the LLaVA row, <image> taken out
    # both orders were critiqued; the item whose critic gave no verdict is dropped with its reason
    _, orders = query(store, "SELECT \"order\", count(*) FROM sima_judgement GROUP BY ALL ORDER BY ALL")
    assert orders == [("greedy_first", 5), ("sampled_first", 5)]
    _, dropped = query(store, "SELECT stage, reason, subject FROM dropped")
    assert dropped == [("critique", "no_verdict", "chelsea.png")]
    # image columns are JSON with hash, mime and size; the bytes are in blobs, once per image
    _, images = query(store, "SELECT image_name, image->>'mime', CAST(image->>'width' AS INT), "
                             "CAST(image->>'height' AS INT), octet_length(b.data) > 0 FROM sima_pair p "
                             "JOIN blobs b ON b.sha256 = p.image->>'sha256' ORDER BY image_name")
    assert images == [("astronaut.png", "image/png", 64, 64, True), ("chelsea.png", "image/png", 64, 43, True),
                      ("coffee.png", "image/png", 64, 43, True), ("rocket.jpg", "image/jpeg", 64, 43, True)]
    _, [(blobs,)] = query(store, "SELECT count(*) FROM blobs")
    assert blobs == 4
    _, pairs = query(store, "SELECT question, chosen_from, length(chosen) <= length(rejected) FROM sima_pair")
    assert {p[0] for p in pairs} == {"What is shown in this photo?Answer briefly."}  # the reference's DPO question
    assert all(shorter for _, _, shorter in pairs)  # the critic's preference made the pairs

    rows = [json.loads(line) for line in (tmp_path / "out" / "dpo.jsonl").read_text().splitlines()]
    assert len(rows) == 4 and set(rows[0]) == {"images", "prompt", "chosen", "rejected"}
    assert rows[0]["prompt"][0]["role"] == "user" and rows[0]["chosen"][0]["role"] == "assistant"
    assert all((tmp_path / "out" / row["images"][0]).is_file() for row in rows)

    from synthloom.training import train

    result = train("dpo", tmp_path / "out" / "dpo.jsonl", str(tiny_llava), tmp_path / "trained", max_steps=2,
                   learning_rate=1e-3, beta=0.1, batch_size=2)
    assert result.steps == 2 and result.losses[0] == pytest.approx(0.6931, abs=1e-3)
    assert result.losses[1] != pytest.approx(result.losses[0], abs=1e-4)
    assert (tmp_path / "trained" / "processor_config.json").is_file()  # the processor, for the next round


def test_the_model_critiques_itself_and_unparseable_replies_are_dropped(tmp_path: Path, campaign, photos) -> None:
    """With the random tiny model as its own critic, no reply holds a verdict: every item is dropped, not lost."""
    summary = run_campaign(campaign(prompt_rows(photos)[:2], critic="self"), store=tmp_path / "s.duckdb")
    assert summary.outcome == "finished"
    _, dropped = query(summary.store, "SELECT reason, count(*) FROM dropped GROUP BY ALL")
    assert dropped == [("no_verdict", 2)]
    _, calls = query(summary.store, "SELECT agent, count(*) FROM model_calls GROUP BY ALL ORDER BY ALL")
    assert calls == [("critique", 2), ("respond", 4)]
    _, [(request,)] = query(summary.store, "SELECT request FROM model_calls WHERE agent = 'critique' LIMIT 1")
    [message] = json.loads(request)["messages"]
    assert len(message["images"]) == 1 and message["content"].startswith("You are provided with a question")


def test_export_as_a_datasets_folder_embeds_the_images(tmp_path: Path, campaign, photos) -> None:
    import datasets

    from synthloom.exporters import export
    from synthloom.registry.contributions import build_registry

    summary = run_campaign(campaign(prompt_rows(photos)[:2]), store=tmp_path / "s.duckdb")
    path, count = export(summary.store, "sima.pair", "trl-dpo", tmp_path / "folder", build_registry())
    loaded = datasets.load_from_disk(str(path))
    assert count == len(loaded) == 2
    # rows come in the order the pairs were stored, which concurrency decides: compare the sizes as a set
    assert sorted(row["images"][0].size for row in loaded) == [(64, 43), (64, 64)]
