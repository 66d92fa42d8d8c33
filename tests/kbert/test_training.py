"""Fine-tuning and saving the pair model (tiny BERT): the schedule's step count, a saved model scores as it did,
with the settings it was trained with."""

from __future__ import annotations

from pathlib import Path

import pytest

from synthloom import ConfigError
from synthloom.plugins.kbert.pair_model import PairModel, PairSettings, load_shared
from synthloom.plugins.kbert.training import fine_tune, step_count

pytestmark = pytest.mark.model

PAIRS = [("answer with emoji only", "translate your answer into emojis", 1.0),
         ("use no words with the letter e", "write the response backward", 0.0),
         ("the dog sat on a mat", "a dog sat on the mat", 1.0),
         ("the dog sat", "the cat sat", 0.0)]


def test_step_count() -> None:
    assert step_count(40, 3, 16) == 8
    assert step_count(4, 1, 16, min_steps=5) == 5
    assert step_count(100, 0.5, 10) == 5


def test_train_save_and_load_score_the_same(tiny_bert: Path, tmp_path: Path, wordnet: object) -> None:
    settings = PairSettings(prior_mode="fast", max_length=24)
    model = PairModel.create(tiny_bert, settings, seed=3)
    result = fine_tune(model, PAIRS, epochs=2, batch_size=2, seed=3, head_learning_rate=1e-3)
    assert result.steps == 4 and len(result.losses) == 4 and result.pairs == 4
    before = model.judge([(a, b) for a, b, _ in PAIRS])
    model.save(tmp_path / "m")
    loaded = load_shared(tmp_path / "m")
    assert loaded.settings == settings
    assert loaded.model.config._attn_implementation == "kbert_prior"
    after = loaded.judge([(a, b) for a, b, _ in PAIRS])
    assert [flags for _, flags in after] == [flags for _, flags in before]
    assert [s for s, _ in after] == pytest.approx([s for s, _ in before], abs=1e-5)
    assert all(0.0 <= s <= 1.0 for s, _ in after)
    assert load_shared(tmp_path / "m") is loaded


def test_regression_without_prior(tiny_bert: Path) -> None:
    model = PairModel.create(tiny_bert, PairSettings(use_prior=False, task="regression"))
    result = fine_tune(model, [(a, b, label * 0.8) for a, b, label in PAIRS], epochs=1, batch_size=4)
    assert result.steps == 1
    assert model.model.num_labels == 1 and len(model.predict([("the dog", "a cat")])) == 1


def test_no_pairs_or_no_model_are_errors(tiny_bert: Path, tmp_path: Path) -> None:
    model = PairModel.create(tiny_bert, PairSettings(use_prior=False))
    with pytest.raises(ValueError, match="no training pairs"):
        fine_tune(model, [])
    with pytest.raises(ConfigError, match="not a kbert pair model"):
        PairModel.load(tiny_bert)
    with pytest.raises(ConfigError, match="no pair model"):
        load_shared(tmp_path)
    with pytest.raises(ConfigError, match="neither 'minilm' nor a model folder"):
        PairModel.create(tmp_path, PairSettings(use_prior=False))
