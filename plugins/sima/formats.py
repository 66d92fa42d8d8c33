"""The reference's file formats (si0wang/SIMA `llava/sima/*.py`), so that its own intermediate files can be read
and written: self-generated responses -> critic prompts (`prompt_for_critic.py`), critic results -> the LLaVA-style
DPO file with `rejected_conversations` (`dataset_for_dpo.py`). Pure: rows in, rows out."""

from __future__ import annotations

from typing import Any

from synthloom import RowError
from synthloom.plugins.sima import parsing
from synthloom.plugins.sima.prompts import Compat, critic_prompt


def _field(row: dict[str, Any], name: str, where: str) -> str:
    value = row.get(name)
    if not isinstance(value, str):
        raise RowError("missing_field", f"row has no string field {name!r}", where=where)
    return value


def critic_prompt_row(row: dict[str, Any], where: str, compat: Compat = "reference") -> dict[str, Any]:
    """A response row (`image_path`, `text`, `ground_truth`, `greedy_decodes`, `temperature_decodes_1`) as the
    reference's critic-prompt row: the sampled answer is response 1, the greedy one response 2."""
    question, truth = _field(row, "text", where), _field(row, "ground_truth", where)
    sampled, greedy = _field(row, "temperature_decodes_1", where), _field(row, "greedy_decodes", where)
    return {"text": critic_prompt(question, truth, sampled, greedy, compat), "question": question,
            "image": row.get("image_path"), "ground_truth": truth, "temperature_decodes_1": sampled,
            "greedy_decodes": greedy}


def dpo_row(row: dict[str, Any], where: str) -> dict[str, Any]:
    """A critic-result row (`id` = image file, `question` = the critic prompt, `rank_result`, the two answers) as
    the reference's DPO row; RowError `no_verdict` where the reference drops the row silently."""
    reply = _field(row, "rank_result", where)
    winner = parsing.preferred(reply, "sampled_first")
    if winner is None:
        raise RowError("no_verdict", f"the critic reply has no [[1]] or [[2]] verdict (it reads "
                                     f"{parsing.verdict(reply)[:40]!r})", where=where)
    chosen, rejected = parsing.chosen_rejected(winner, _field(row, "greedy_decodes", where),
                                               _field(row, "temperature_decodes_1", where))
    image = _field(row, "id", where)
    question = parsing.question_from_critic_prompt(_field(row, "question", where))
    human = {"from": "human", "value": "<image>\n" + question}
    return {"id": image.split(".")[0], "image": image,
            "conversations": [human, {"from": "gpt", "value": chosen}],
            "rejected_conversations": [human, {"from": "gpt", "value": rejected}]}
