from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Callable

import pytest
import yaml

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

QUESTION = "What is shown in this photo?\nAnswer briefly."


@pytest.fixture(scope="session")
def tiny_llava(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.backends.tiny_llava import build_tiny_llava

    return build_tiny_llava(tmp_path_factory.mktemp("tiny-llava"))


@pytest.fixture
def photos(tmp_path: Path) -> list[Path]:
    """scikit-image's astronaut, chelsea, coffee and rocket photographs in tmp_path/images."""
    from tests.backends.tiny_llava import write_photos

    return write_photos(tmp_path / "images")


def prompt_rows(photos: list[Path]) -> list[dict[str, Any]]:
    """SIMA prompt rows for the photos, plus one LLaVA conversation row."""
    rows: list[dict[str, Any]] = [{"image": p.name, "text": QUESTION, "ground_truth": f"A photograph: {p.stem}."}
                                  for p in photos]
    rows.append({"image": photos[1].name, "conversations": [
        {"from": "human", "value": "<image>\nIs there a cat? no verdict"}, {"from": "gpt", "value": "Yes, a cat."}]})
    return rows


@pytest.fixture
def campaign(tmp_path: Path, tiny_llava: Path) -> Callable[..., Path]:
    """A SIMA campaign in tmp_path: tiny Llava answers; the critic is the tiny Llava itself or a replay function."""

    def write(rows: list[dict[str, Any]], *, critic: str = "replay", critique: dict[str, Any] | None = None,
              load: dict[str, Any] | None = None) -> Path:
        (tmp_path / "prompts.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
        models: dict[str, Any] = {"vlm": {"backend": "transformers", "model": str(tiny_llava), "batch_size": 8},
                                  "replay": {"backend": "replay", "function": "tests.sima.replay_critic:shorter"}}
        data = {"name": "sima-test", "seed": 0, "models": models, "agents": [
            {"name": "load", "use": "basic.load_vision",
             "with": {"path": "prompts.jsonl", "images": "images", "max_side": 64, **(load or {})}},
            {"name": "respond", "use": "sima.respond", "model": "vlm", "with": {"max_tokens": 12,
                                                                                 "greedy_max_tokens": 12}},
            {"name": "critique", "use": "sima.critique", "model": "vlm" if critic == "self" else "replay",
             "with": {"max_tokens": 16, **(critique or {})}}],
            "export": [{"kind": "sima.pair", "format": "trl-dpo", "path": "out/dpo.jsonl"}]}
        path = tmp_path / "campaign.yaml"
        path.write_text(yaml.safe_dump(data, sort_keys=False))
        return path

    return write
