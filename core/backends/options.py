"""Validating a model spec's backend options, so that a typo in a campaign file fails at load with its name."""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel, ValidationError

from synthloom.backends.base import ModelSpec
from synthloom.errors import ConfigError

OptionsT = TypeVar("OptionsT", bound=BaseModel)


def parse_options(options_type: type[OptionsT], spec: ModelSpec) -> OptionsT:
    """`spec.options` validated by `options_type` (which should forbid extra fields), or a ConfigError listing
    every problem and the options the backend accepts."""
    try:
        return options_type.model_validate(spec.options)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '(options)'}: "
            + ("unknown option" if e["type"] == "extra_forbidden" else e["msg"])
            for e in error.errors()
        )
        known = ", ".join(sorted(options_type.model_fields))
        raise ConfigError(
            f"invalid options for the {spec.backend} backend: {problems}",
            where=f"model {spec.model!r}",
            hint=f"options the {spec.backend} backend accepts: {known}",
        ) from None
