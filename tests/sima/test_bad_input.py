"""Bad input to a SIMA campaign: broken, missing, escaping and fake images, a text-only model asked to see an
image, and a critic without a verdict (tests/sima/test_campaign.py) or too many images (tests/backends)."""

from __future__ import annotations

from pathlib import Path

import pytest

from synthloom import ConfigError, query, run_campaign
from tests.sima.conftest import QUESTION

pytestmark = pytest.mark.model


def bad_images(photos: list[Path], tmp_path: Path) -> list[dict[str, str]]:
    folder = photos[0].parent
    (folder / "truncated.png").write_bytes(photos[0].read_bytes()[:4000])
    (folder / "notes.jpg").write_text("this is a text file with an image extension")
    (tmp_path / "secret.png").write_bytes(photos[1].read_bytes())
    (folder / "link.png").symlink_to(tmp_path / "secret.png")
    names = ["missing.png", "truncated.png", "notes.jpg", "../secret.png", "/etc/hostname", "link.png",
             photos[2].name]
    return [{"image": name, "text": QUESTION, "ground_truth": "A photograph."} for name in names]


def test_bad_images_are_dropped_with_their_reasons(tmp_path: Path, campaign, photos) -> None:
    summary = run_campaign(campaign(bad_images(photos, tmp_path), load={"on_bad_row": "drop"}),
                           store=tmp_path / "s.duckdb")
    assert summary.outcome == "finished" and summary.agents["respond"].handled == 1
    _, dropped = query(summary.store, "SELECT reason, subject FROM dropped WHERE stage = 'load' ORDER BY subject")
    lines = {int(subject.rsplit(":", 1)[1]): reason for reason, subject in dropped}
    assert lines == {1: "image_missing", 2: "corrupt_image", 3: "not_an_image", 4: "image_outside_folder",
                     5: "image_outside_folder", 6: "image_outside_folder"}


def test_by_default_the_first_bad_image_stops_the_campaign_with_its_line(tmp_path: Path, campaign, photos) -> None:
    with pytest.raises(ConfigError, match=r"prompts.jsonl:1: the PNG image cannot be decoded"):
        run_campaign(campaign(bad_images(photos, tmp_path)[1:]), store=tmp_path / "s.duckdb")


def test_a_text_only_model_asked_to_see_an_image_fails_naming_model_and_agent(tmp_path: Path, campaign,
                                                                             photos) -> None:
    from tests.backends.tiny_model import build_tiny_model

    path = campaign([{"image": photos[0].name, "text": QUESTION, "ground_truth": "A photograph."}])
    text_model = build_tiny_model(tmp_path / "gemma")
    path.write_text(path.read_text().replace("model: vlm", "model: text").replace(
        "models:\n", f"models:\n  text:\n    backend: transformers\n    model: {text_model}\n"))
    summary = run_campaign(path, store=tmp_path / "s.duckdb")
    assert summary.agents["respond"].failed == 1
    _, [(agent, error)] = query(summary.store, "SELECT agent, payload->>'error' FROM messages WHERE kind = 'failure'")
    assert agent == "respond"
    assert error.startswith("agent 'respond': agent 'respond' sent an image to model 'text' (transformers:")
    assert "which is a text-only model" in error
