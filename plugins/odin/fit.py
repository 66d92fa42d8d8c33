"""One training run as a command or an agent does it: hold pairs out, train, save atomically, measure the heads.

The model is trained into a sibling folder and renamed into place, so that an interrupted run never leaves a
half-written model that a scorer running `after:` the trainer would load.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from synthloom import ConfigError, output_folder
from synthloom.plugins.odin.evaluation import Correlations, correlations
from synthloom.plugins.odin.pairs import Pair, same_response, split
from synthloom.plugins.odin.trainer import TrainResult, TrainSettings, train


@dataclass(frozen=True)
class Fitted:
    result: TrainResult
    held_out: int
    correlations: Correlations | None


def usable_pairs(pairs: Sequence[Pair], where: str) -> list[Pair]:
    kept = [p for p in pairs if not same_response(p)]
    if not kept:
        raise ConfigError(f"none of the {len(pairs)} pair(s) has a chosen response that differs from its rejected one",
                          where=where, hint="a pair whose responses are equal carries no preference to learn")
    return kept


def fit(pairs: Sequence[Pair], base: str, out: str | Path, settings: TrainSettings, held_out: float = 0.1,
        where: str = "odin train") -> Fitted:
    """Train on all but `held_out` of the usable pairs, then report each head's correlation with length on the rest."""
    from synthloom.plugins.odin.model import RewardModel

    train_pairs, test_pairs = split(usable_pairs(pairs, where), held_out, settings.seed)
    out = Path(os.path.normpath(out))
    with output_folder(out) as partial:
        result = train(train_pairs, base, partial, settings)
    result.out_dir = out
    found = None
    if test_pairs:
        model = RewardModel(out, max_length=settings.max_length)
        prompts = [p.prompt for p in test_pairs]
        found = correlations(model.score(prompts, [p.chosen for p in test_pairs]),
                             model.score(prompts, [p.rejected for p in test_pairs]))
    return Fitted(result, len(test_pairs), found)
