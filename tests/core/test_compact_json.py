"""Ids, request hashes and the call journal are compact JSON made by an encoder built once; it must write exactly
what `json.JSONEncoder` writes, or ids and cache keys would change between synthloom versions."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from synthloom.compact_json import compact_encoder

VALUES = [
    {"b": 1, "a": [1.5, None, True, -0.0, 10**20], "c": {"é": 'q"uote\\\n\u2028\x01'}},
    ["replay:1", {"messages": [{"role": "user", "content": "hi"}], "seed": 7}],
    "a bare string \ud800",
    [datetime(2026, 12, 2, 15, 30), float("inf"), 1e-7],
    [],
]


@pytest.mark.parametrize("sort_keys", [True, False])
@pytest.mark.parametrize("value", VALUES)
def test_writes_what_the_standard_encoder_writes(value: object, sort_keys: bool) -> None:
    reference = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, default=str, sort_keys=sort_keys)
    assert compact_encoder(default=str, sort_keys=sort_keys)(value) == reference.encode(value)


def test_unencodable_values_raise_from_default() -> None:
    def refuse(value: object) -> object:
        raise TypeError(f"cannot encode {type(value).__name__}")

    with pytest.raises(TypeError, match="cannot encode set"):
        compact_encoder(default=refuse)({"x": {1, 2}})
