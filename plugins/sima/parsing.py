"""SIMA's pure rules: reading the critic's verdict, mapping it to the answer it prefers, and building the pair.

The verdict rule is the reference's (`llava/sima/dataset_for_dpo.py::make_dataset`):
`rank_result.split('[[')[-1].split(']]')[0]`, compared as a string with '1' and '2' (no strip, no int cast), so
`[[ 1 ]]` is no verdict and `[[1]] ... [[2]]` means 2 (the last `[[` wins). The reference drops anything else
silently; here it becomes a dropped item with a reason.
"""

from __future__ import annotations

from typing import Literal

from synthloom.plugins.sima.prompts import Compat

Source = Literal["sampled", "greedy"]
Order = Literal["sampled_first", "greedy_first"]

SHOWN: dict[str, tuple[Source, Source]] = {
    "sampled_first": ("sampled", "greedy"),   # the reference's fixed order: sampled = response 1, greedy = 2
    "greedy_first": ("greedy", "sampled"),
}


def verdict(reply: str) -> str:
    """The text after the reply's last `[[`, up to the next `]]` (the whole reply when it has no `[[`)."""
    return reply.split("[[")[-1].split("]]")[0]


def preferred(reply: str, order: Order) -> Source | None:
    """Which answer the critic prefers, given the order it saw them in; None when the verdict is neither 1 nor 2."""
    found = verdict(reply)
    if found not in ("1", "2"):
        return None
    return SHOWN[order][int(found) - 1]


def decide(preferences: list[Source | None]) -> Source | tuple[str, str]:
    """The preferred answer of one item's critiques (one per order shown), or (reason, detail) to drop it: a
    critique without a verdict, or two orders that disagree (the critic followed the position, not the content)."""
    missing = sum(p is None for p in preferences)
    if missing:
        return "no_verdict", f"{missing} of {len(preferences)} critic replies had no [[1]] or [[2]] verdict"
    if len(set(preferences)) > 1:
        return "position_inconsistent", "the critic preferred the answer in the same position in both orders"
    return preferences[0]  # type: ignore[return-value]


def chosen_rejected(winner: Source, greedy: str, sampled: str) -> tuple[str, str]:
    """(chosen, rejected): the preferred answer is chosen, the other one rejected, both with their newlines."""
    return (greedy, sampled) if winner == "greedy" else (sampled, greedy)


def dpo_question(question: str, compat: Compat) -> str:
    """The question as the DPO prompt asks it. The reference re-extracts it from the critic prompt, where its
    newlines were deleted, so its DPO prompt is the newline-free question; the clean variant keeps the original."""
    return question.replace("\n", "") if compat == "reference" else question


def question_from_critic_prompt(prompt: str) -> str:
    """The reference's recovery of the question from a critic prompt (`dataset_for_dpo.py`): the text after the
    last `Question: [` up to the first `]` + newline. Used to import the reference's own critic result files."""
    return prompt.split("Question: [")[-1].split("]\n")[0]
