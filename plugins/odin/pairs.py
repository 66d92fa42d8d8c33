"""Preference pairs as ODIN trains on them, from any file synthloom exports (`trl-dpo`: AutoIF's and SIMA's pairs)
or any prompt/chosen/rejected file with plain strings.

Every pair is made conversational (a user turn, an assistant turn), so that training and scoring format a text the
same way: through the reward model's chat template. A pair whose chosen equals its rejected carries no preference
and is set aside with its reason.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any, Sequence

from synthloom import RowError

Turns = list[dict[str, str]]
PAIR_HINT = ("rows need prompt, chosen and rejected: strings, or chat turns as `synthloom export --format trl-dpo` "
             "writes")


@dataclass(frozen=True)
class Pair:
    prompt: Turns
    chosen: str
    rejected: str

    def row(self) -> dict[str, Any]:
        """A TRL conversational preference row."""
        return {"prompt": self.prompt, "chosen": [{"role": "assistant", "content": self.chosen}],
                "rejected": [{"role": "assistant", "content": self.rejected}]}


def _turns(value: Any, field: str, where: str) -> Turns:
    if isinstance(value, str):
        return [{"role": "user" if field == "prompt" else "assistant", "content": value}]
    if isinstance(value, list) and all(isinstance(t, dict) and isinstance(t.get("content"), str) and "role" in t
                                       for t in value):
        return [{"role": str(t["role"]), "content": t["content"]} for t in value]
    raise RowError("bad_field", f"{field!r} is neither a string nor a list of chat turns", where=where,
                   hint=PAIR_HINT)


def pair_from_row(row: Any, where: str = "row") -> Pair:
    """The pair in one exported row; the response is the last assistant turn of chosen / rejected."""
    if not isinstance(row, dict) or not all(k in row for k in ("prompt", "chosen", "rejected")):
        raise RowError("missing_field", "row has no prompt, chosen and rejected", where=where, hint=PAIR_HINT)
    chosen, rejected = _turns(row["chosen"], "chosen", where), _turns(row["rejected"], "rejected", where)
    return Pair(_turns(row["prompt"], "prompt", where), chosen[-1]["content"], rejected[-1]["content"])


def same_response(pair: Pair) -> bool:
    return pair.chosen.strip() == pair.rejected.strip()


def split(pairs: Sequence[Pair], held_out: float, seed: int) -> tuple[list[Pair], list[Pair]]:
    """(training, held-out) pairs: a seeded random `held_out` fraction, at least one pair when asked for any and
    there are two or more."""
    if held_out <= 0 or len(pairs) < 2:
        return list(pairs), []
    order = list(range(len(pairs)))
    random.Random(seed).shuffle(order)
    count = min(len(pairs) - 1, max(1, round(len(pairs) * held_out)))
    test = set(order[:count])
    return [p for i, p in enumerate(pairs) if i not in test], [p for i, p in enumerate(pairs) if i in test]
