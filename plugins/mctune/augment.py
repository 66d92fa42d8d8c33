"""From measured responses to MCTune's training and test examples (the reference's `Augmenter`).

Training examples ask for what the response already is: k random tags with the response's own values. Test
examples keep one tag subset per response and ask `test_augmentations` times for noisy values of it
(`targets.noisy_target`), with no response: a model under test has to write one that meets them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Literal, Mapping, Sequence

from synthloom.plugins.mctune.features import Number
from synthloom.plugins.mctune.parsing import sample_tags, tagged_input, truth_value
from synthloom.plugins.mctune.targets import MAX_TRIALS, Stats, noisy_target

Split = Literal["train", "test"]


@dataclass(frozen=True)
class AugmentSettings:
    """The reference's defaults: 2,000 test responses, up to 5 tags, one training and five test variants, noise
    of 0.1 standard deviations, 10,000 draws."""

    test_size: int = 2000
    max_tags: int = 5
    train_augmentations: int = 1
    test_augmentations: int = 5
    scale: float = 0.1
    max_trials: int = MAX_TRIALS


@dataclass(frozen=True)
class Measured:
    instruction: str
    input: str
    output: str
    features: Mapping[str, Number]


@dataclass(frozen=True)
class Example:
    split: Split
    source: int  # index of the measured response it was made from
    instruction: str
    original_input: str
    input: str
    output: str
    selected_tags: list[str]
    tag_values: list[Number]
    groundtruth: dict[str, Number]
    augmentation: int = 0
    trials: int = 0
    fallback: bool = False


def test_indices(count: int, test_size: int, rng: random.Random) -> set[int]:
    """Which of `count` responses are held out; all but one at most, so that some training data remains."""
    return set(rng.sample(range(count), min(test_size, max(count - 1, 0))))


def train_examples(row: Measured, source: int, rng: random.Random, settings: AugmentSettings) -> list[Example]:
    out = []
    for augmentation in range(settings.train_augmentations):
        tags = sample_tags(rng, settings.max_tags)
        values = [truth_value(row.features[t]) for t in tags]
        out.append(Example("train", source, row.instruction, row.input, tagged_input(row.input, tags, values),
                           row.output, tags, values, dict(row.features), augmentation))
    return out


def test_examples(row: Measured, source: int, stats: Stats, rng: random.Random,
                  settings: AugmentSettings) -> list[Example]:
    tags = sample_tags(rng, settings.max_tags)
    out = []
    for augmentation in range(settings.test_augmentations):
        target = noisy_target(row.features, stats, rng, settings.scale, settings.max_trials)
        values = [target.values[t] for t in tags]
        out.append(Example("test", source, row.instruction, row.input, tagged_input(row.input, tags, values),
                           "", tags, values, dict(row.features), augmentation, target.trials, target.fallback))
    return out


def augment(rows: Sequence[Measured], rngs: Sequence[random.Random], split_rng: random.Random,
            settings: AugmentSettings) -> list[Example]:
    """Every example of `rows` (one seeded generator per row, so that a row's examples do not depend on the
    others); statistics over all rows, as the reference computes them before splitting."""
    stats = Stats.of([row.features for row in rows])
    held_out = test_indices(len(rows), settings.test_size, split_rng)
    out: list[Example] = []
    for index, (row, rng) in enumerate(zip(rows, rngs)):
        out += (test_examples(row, index, stats, rng, settings) if index in held_out
                else train_examples(row, index, rng, settings))
    return out
