"""Auto-correct's judgement, shared by the `clear.correct` agent and `synthloom clear correct`: the base model, as
judge, answers whether the candidate beats the response (greedily, with BSDetector's answer template), and
BSDetector measures its confidence in that verdict (sampled verdicts compared as yes/no, the two reflections)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

from synthloom import SamplingConfig
from synthloom.plugins.clear import parsing, prompts
from synthloom.plugins.clear.confidence import Confidence, Settings, bsdetector

if TYPE_CHECKING:
    from synthloom import ModelClient

GREEDY = SamplingConfig(temperature=0.0, max_tokens=128)


async def judge_candidates(judge: "ModelClient", questions: Sequence[tuple[str, str, str]], seeds: Sequence[int],
                           settings: Settings, *, template: str = prompts.JUDGE,
                           nli_client: "ModelClient | None" = None) -> list[tuple[str, Confidence]]:
    """(verdict, confidence in it) per (prompt, response, candidate)."""
    asked = [prompts.judge_question(p, r, c, template) for p, r, c in questions]
    replies = await judge.generate([GREEDY.request(prompts.sample_prompt(q, settings.template), seed=s, n=1)
                                    for q, s in zip(asked, seeds)])
    verdicts = [parsing.verdict(r.texts()[0]) for r in replies]
    scores = await bsdetector(judge, asked, verdicts, seeds, settings, same=parsing.verdict, nli_client=nli_client)
    return list(zip(verdicts, scores))


async def correct_rows(judge: "ModelClient", rows: Sequence[dict[str, Any]], candidates: Sequence[str],
                       settings: Settings, *, eta: float = parsing.ETA, seed: int = 0) -> list[dict[str, Any]]:
    """Each row with its `action` (kept, corrected, filtered; a row without `kept` counts as kept), the final
    `response`, and TRL `messages` for training."""
    triples = [(r["prompt"], r["response"], c) for r, c in zip(rows, candidates)]
    judged = await judge_candidates(judge, triples, [seed + i for i in range(len(rows))], settings)
    out = []
    for row, candidate, (verdict, score) in zip(rows, candidates, judged):
        action = parsing.correction(bool(row.get("kept", True)), verdict == "yes" and bool(candidate),
                                    score.confidence, eta)
        response = candidate if action == "corrected" else row["response"]
        out.append({**row, "action": action, "original_response": row["response"], "response": response,
                    "candidate": candidate, "judge_verdict": verdict, "judge_confidence": score.confidence,
                    "messages": [{"role": "user", "content": row["prompt"]},
                                 {"role": "assistant", "content": response}]})
    return out
