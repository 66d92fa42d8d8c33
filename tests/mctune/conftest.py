from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def spacy_pipeline() -> object:
    """The small English pipeline, loaded once (about 5 s; the tests that parse need it)."""
    from synthloom.plugins.mctune.nlp import pipeline

    return pipeline()
