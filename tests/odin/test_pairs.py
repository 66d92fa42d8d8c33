"""Reading preference files into pairs."""

from __future__ import annotations

import pytest

from synthloom import RowError
from synthloom.plugins.odin.pairs import Pair, pair_from_row, same_response, split


def test_plain_strings_and_chat_turns_read_alike() -> None:
    plain = pair_from_row({"prompt": "Hi?", "chosen": "Hello!", "rejected": "No."})
    turns = pair_from_row({"prompt": [{"role": "user", "content": "Hi?"}],
                           "chosen": [{"role": "assistant", "content": "Hello!"}],
                           "rejected": [{"role": "assistant", "content": "No."}], "weight": 2})
    assert plain == turns == Pair([{"role": "user", "content": "Hi?"}], "Hello!", "No.")
    assert plain.row()["chosen"] == [{"role": "assistant", "content": "Hello!"}]


def test_bad_rows_say_where() -> None:
    with pytest.raises(RowError, match="no prompt, chosen and rejected"):
        pair_from_row({"prompt": "x", "chosen": "y"}, "f.jsonl:3")
    with pytest.raises(RowError, match="neither a string nor a list of chat turns"):
        pair_from_row({"prompt": "x", "chosen": 3, "rejected": "z"})


def test_same_response_and_split() -> None:
    assert same_response(Pair([], "Same answer ", "Same answer"))
    pairs = [Pair([], str(i), "x") for i in range(10)]
    train, test = split(pairs, 0.2, seed=0)
    assert len(train) == 8 and len(test) == 2 and not set(p.chosen for p in train) & set(p.chosen for p in test)
    assert split(pairs[:1], 0.5, seed=0) == (pairs[:1], [])
