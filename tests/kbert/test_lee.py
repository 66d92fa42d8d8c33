"""Reading the Lee set from gensim's test data (a fabricated folder of the same shape here: the real one is read
only by the benchmark, never copied)."""

from __future__ import annotations

from pathlib import Path

import pytest

from synthloom import ConfigError
from synthloom.plugins.kbert import lee


def fake_folder(tmp_path: Path) -> Path:
    text = "First story costs \xa35.\nSecond story.\n\nThird story.\n"
    (tmp_path / lee.DOCUMENTS).write_bytes(text.encode("latin-1"))
    (tmp_path / lee.RATINGS).write_text("1\t0.5\t0.25\n0\t1\t0.75\n0\t0\t1\n")
    return tmp_path


def test_documents_and_upper_triangle(tmp_path: Path) -> None:
    folder = fake_folder(tmp_path)
    documents = lee.read_documents(folder)
    assert documents == ["First story costs £5.", "Second story.", "Third story."]
    assert lee.read_pairs(folder, 3) == [lee.RatedPair(0, 1, 0.5), lee.RatedPair(0, 2, 0.25),
                                         lee.RatedPair(1, 2, 0.75)]
    with pytest.raises(ConfigError, match="not a 4x4 matrix"):
        lee.read_pairs(folder, 4)


def test_split_by_documents_and_fractions() -> None:
    train, test = lee.split_documents(50, 15, seed=0)
    assert len(test) == 15 and len(train) == 35 and not train & test
    assert lee.split_documents(50, 15, seed=0) == (train, test)
    few, same_test = lee.split_documents(50, 15, seed=0, train=22)
    assert len(few) == 22 and few <= train and same_test == test
    pairs = [lee.RatedPair(i, j, 0.1) for i in range(50) for j in range(i + 1, 50)]
    inside = lee.within(pairs, test)
    assert len(inside) == 15 * 14 // 2
    assert len(lee.fraction(inside, 0.1, seed=1)) == int(len(inside) * 0.1)
    assert lee.fraction(inside, 0.5, seed=1) == lee.fraction(inside, 0.5, seed=1)


def test_missing_gensim_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lee.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ConfigError, match="gensim") as caught:
        lee.locate()
    assert "kbert-bench" in str(caught.value)
