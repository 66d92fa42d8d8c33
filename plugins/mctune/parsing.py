"""Pure rules of MCTune's data: which tags an example gets, how their values print, and reading them back."""

from __future__ import annotations

import random
import re
from typing import Mapping, Sequence

from synthloom.plugins.mctune.features import FEATURES, FKRE_MAX, Number

TAG = re.compile(r"\[([a-z_]+): ([^\]]+)\]")


def sample_tags(rng: random.Random, max_tags: int = 5, features: Sequence[str] = FEATURES) -> list[str]:
    """k ~ U{1..max_tags} distinct features, in MCTune's canonical order (the reference's `sample_tags`)."""
    count = rng.randint(1, len(features) if max_tags < 0 else min(max_tags, len(features)))
    return [features[i] for i in sorted(rng.sample(range(len(features)), count))]


def truth_value(value: Number) -> Number:
    """A training label as the reference prints it: integral values as ints, others to 2 decimals."""
    return int(value) if round(value) == value else round(value, 2)


def format_tags(tags: Sequence[str], values: Sequence[Number]) -> str:
    return " ".join(f"[{tag}: {value}]" for tag, value in zip(tags, values))


def tagged_input(original_input: str, tags: Sequence[str], values: Sequence[Number]) -> str:
    """The example's input: the original input, a space, then the tags (the tags alone when there was none)."""
    separator = " " if original_input else ""
    return original_input + separator + format_tags(tags, values)


def read_tags(text: str) -> dict[str, Number]:
    """The `[name: value]` tags in a text, for rows that carry only the tagged input."""
    found: dict[str, Number] = {}
    for name, raw in TAG.findall(text):
        if name in FEATURES:
            found[name] = float(raw) if "." in raw else int(raw)
    return found


def usable(values: Mapping[str, Number]) -> bool:
    """The reference keeps responses whose reading ease a text can have (it drops fkre > 121.22)."""
    return values["fkre"] <= FKRE_MAX
