"""WordNet offline: Debian's files copied into the plugin's NLTK folder, a written `lexnames`, and a clear error
before anything else when the dictionary is missing."""

from __future__ import annotations

from pathlib import Path

import pytest

from synthloom import ConfigError
from synthloom.plugins.kbert import wordnet


def test_lexnames_numbers_the_45_lexicographer_files() -> None:
    lines = [line.split("\t") for line in wordnet.lexnames_text().splitlines()]
    assert len(lines) == 45
    assert [int(number) for number, _, _ in lines] == list(range(45))
    assert lines[0] == ["00", "adj.all", "3"] and lines[3] == ["03", "noun.Tops", "1"]
    assert lines[29] == ["29", "verb.body", "2"] and lines[2] == ["02", "adv.all", "4"]
    assert lines[44] == ["44", "adj.ppl", "3"]


def test_a_missing_install_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        wordnet.prepare(tmp_path / "data", source=tmp_path / "no-wordnet")
    assert "WordNet is not installed" in str(caught.value)
    assert "setup_wordnet.sh" in str(caught.value) and "wordnet-sense-index" in str(caught.value)
    assert not (tmp_path / "data").exists()


def test_prepare_copies_real_files_and_nltk_reads_them(tmp_path: Path) -> None:
    corpus = wordnet.prepare(tmp_path / "data")
    for name in (*wordnet.DEBIAN_FILES, "lexnames"):
        assert (corpus / name).is_file() and not (corpus / name).is_symlink(), name
    assert wordnet.is_prepared(tmp_path / "data")
    assert wordnet.prepare(tmp_path / "data") == corpus  # once: a second call copies nothing


def test_the_shared_reader_knows_wordnet_3(wordnet: object) -> None:
    assert wordnet.get_version() == "3.0"
    assert wordnet.synsets("dogs")[0].name() == "dog.n.01"
    assert wordnet.lemma_from_key("dog%1:05:00::").synset().name() == "dog.n.01"  # index.sense is read
    assert wordnet.synset("dog.n.01").lexname() == "noun.animal"  # so is lexnames
