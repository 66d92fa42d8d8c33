"""The reference implementations' scoring rules, reproduced token for token.

Each published score comes from a per-sample script whose details change the numbers: which text precedes the
answer, which tokens count as the answer (the reference finds the answer with `str.rfind` and re-tokenises the text
before it, rather than mapping offsets), and how long inputs are cut. These plans build token-form requests with
exactly those tokens, so that our batched backend computes the very same means:

- Cherry LLM (`cherry_seletion/data_analysis.py --mod cherry` + `put_ifd_score.py`): Alpaca template, max_length
  512; s(A) is scored after the marker "### Response:" with max_length - prompt_tokens - 2; a sample is skipped
  when that budget is 4 tokens or fewer. (Its second check, prompt_tokens + answer_tokens > max_length, cannot
  fire once the first holds, so it is not repeated here.)
- Superfiltering (`code_ifd/data_analysis.py`): bare template "{instruction}\\n[{input}\\n]", max_length 1024;
  s(A) is the loss of the bare answer, cut to max_length - prompt_tokens + 1, where the model's own shift leaves
  the first token unscored.
- Selective Reflection-Tuning (`selection_code/data_analysis.py`): Superfiltering's rules with Vicuna's template
  and max_length 2048, plus reversed IFD: the instruction (with its input appended, no separator) scored alone and
  after the reverse prompt that contains the answer.

Where a reference produced NaN or swallowed an exception (returning 0), the plan carries the reason instead.
"""

from __future__ import annotations

from typing import Literal, Protocol

from synthloom import ScoreRequest
from synthloom.plugins.selection.plans import Plan
from synthloom.plugins.selection.prompts import CHERRY_DIRECT_PREFIX, Template, reverse_prompt

CompatMode = Literal["cherry", "superfiltering", "reflection"]

# The defaults of each reference's published scripts: (template, max_length).
DEFAULTS: dict[str, tuple[str, int]] = {
    "cherry": ("alpaca", 512),
    "superfiltering": ("none", 1024),
    "reflection": ("vicuna", 2048),
}

EMPTY_ANSWER = "empty answer: nothing to score (the reference yields NaN)"
TRUNCATED_AWAY = "no answer token left after truncation to max_length (the reference yields NaN)"


class Tokenizer(Protocol):
    def encode(self, text: str, **kwargs: object) -> list[int]: ...


def _encode(tokenizer: Tokenizer, text: str, max_length: int | None = None) -> list[int]:
    if max_length is None:
        return list(tokenizer.encode(text))
    return list(tokenizer.encode(text, truncation=True, max_length=max_length))


def _span_start(tokenizer: Tokenizer, text: str, span: str) -> int:
    """The reference's answer boundary: tokens of the text before the span's last occurrence, tokenised alone."""
    return len(_encode(tokenizer, text[: text.rfind(span)]))


def _part_plan_side(tokenizer: Tokenizer, text: str, span: str, max_length: int) -> ScoreRequest | None:
    """Loss of `span` within `text` by the reference's rule; None when truncation left none of it."""
    ids = _encode(tokenizer, text, max_length)
    # The causal shift never scores position 0, so a boundary at 0 still starts at 1.
    start = max(1, _span_start(tokenizer, text, span))
    if start >= len(ids):
        return None
    return ScoreRequest(input_ids=ids, target_start=start)


def _whole_plan_side(tokenizer: Tokenizer, text: str, max_length: int) -> ScoreRequest | None:
    """Loss of the whole of `text` (every token after the first), as `model(ids, labels=ids)` computes it."""
    if max_length < 1:
        return None
    ids = _encode(tokenizer, text, max_length)
    if len(ids) < 2:
        return None
    return ScoreRequest(input_ids=ids, target_start=1)


def _longer_than(tokenizer: Tokenizer, text: str, max_length: int) -> bool:
    return len(_encode(tokenizer, text)) > max_length


def cherry_ifd_plan(tokenizer: Tokenizer, template: Template, instruction: str, input: str, output: str,
                    max_length: int) -> Plan:
    if output == "":
        return Plan.skip(EMPTY_ANSWER)
    prompt = template.render(instruction, input)
    whole = prompt + output
    truncated = _longer_than(tokenizer, whole, max_length)
    prompt_len = len(_encode(tokenizer, prompt, max_length))
    direct_budget = max_length - prompt_len - 2
    if direct_budget <= 4:
        return Plan.skip(f"the prompt fills the context ({prompt_len} of {max_length} tokens; the reference "
                         "yields NaN)", truncated=True)
    direct_text = CHERRY_DIRECT_PREFIX + output
    direct = _part_plan_side(tokenizer, direct_text, output, direct_budget)
    conditioned = _part_plan_side(tokenizer, whole, output, max_length)
    truncated = truncated or _longer_than(tokenizer, direct_text, direct_budget)
    if direct is None or conditioned is None:
        return Plan.skip(TRUNCATED_AWAY, truncated=True)
    return Plan(conditioned=conditioned, direct=direct, truncated=truncated)


def _bare_pair_plan(tokenizer: Tokenizer, prompt: str, target: str, target_alone: str, max_length: int) -> Plan:
    """Superfiltering's rule, which Selective Reflection-Tuning reuses for both IFD and reversed IFD."""
    prompt_len = len(_encode(tokenizer, prompt, max_length))
    whole = prompt + target_alone
    alone_budget = max_length - prompt_len + 1
    direct = _whole_plan_side(tokenizer, target_alone, alone_budget)
    conditioned = _part_plan_side(tokenizer, whole, target, max_length)
    truncated = _longer_than(tokenizer, whole, max_length) or _longer_than(tokenizer, target_alone, alone_budget)
    if direct is None or conditioned is None:
        return Plan.skip(TRUNCATED_AWAY, truncated=truncated)
    return Plan(conditioned=conditioned, direct=direct, truncated=truncated)


def bare_ifd_plan(tokenizer: Tokenizer, template: Template, instruction: str, input: str, output: str,
                  max_length: int) -> Plan:
    """IFD by Superfiltering's (and Selective Reflection-Tuning's) rule."""
    if output == "":
        return Plan.skip(EMPTY_ANSWER)
    return _bare_pair_plan(tokenizer, template.render(instruction, input), output, output, max_length)


def reflection_rifd_plan(tokenizer: Tokenizer, template: Template, instruction: str, input: str, output: str,
                         max_length: int) -> Plan:
    """Reversed IFD by Selective Reflection-Tuning's rule: the instruction's loss given the answer, over alone."""
    if output == "":
        return Plan.skip(EMPTY_ANSWER)
    if instruction == "":
        return Plan.skip("empty instruction: nothing to score (the reference yields NaN)")
    return _bare_pair_plan(tokenizer, reverse_prompt(template, output), instruction, instruction + input,
                           max_length)


IFD_PLANS = {"cherry": cherry_ifd_plan, "superfiltering": bare_ifd_plan, "reflection": bare_ifd_plan}
