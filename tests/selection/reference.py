"""Re-creations of the reference scripts' per-sample scoring loops, to check our batched path against.

Each function follows its script step for step: one sample at a time, a separate full forward pass (full-vocabulary
logits) per scored text, `model(input_ids, labels=...)` losses, `str.rfind` to find the answer and re-tokenisation
of the text before it. Two liberties, neither of which changes a number: Cherry's per-position `log_softmax` loop
is one vectorised `log_softmax` over the same logits, and passes whose result the script would discard as NaN are
not run. Slow by design; used by the tests and `benchmarks/scoring.py`, never by campaigns, so it is not part of the
installed plugin.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

from synthloom.plugins.selection.parsing import AlpacaItem
from synthloom.plugins.selection.prompts import CHERRY_DIRECT_PREFIX, TEMPLATES, Template, reverse_prompt

NAN = float("nan")


def _ids(tokenizer: Any, text: str, max_length: int, device: Any = "cpu") -> Any:
    return tokenizer.encode(text, return_tensors="pt", truncation=True, max_length=max_length).to(device)


def _start_token(tokenizer: Any, text: str, span: str) -> int:
    return len(tokenizer.encode(text[: text.rfind(span)]))


def _cherry_token_losses(tokenizer: Any, model: Any, text: str, span: str, max_length: int) -> list[float]:
    """`get_perplexity_and_embedding_part_text` of Cherry LLM: the loss of every token after the first (its
    labelled loss is computed too, as the script does, though only the token losses are used)."""
    import torch

    input_ids = _ids(tokenizer, text, max_length, model.device)
    labels = input_ids.clone()
    labels[0, :_start_token(tokenizer, text, span)] = -100
    with torch.no_grad():
        logits = model(input_ids, labels=labels).logits
    log_probs = torch.log_softmax(logits[0, :-1], dim=-1)
    return (-log_probs.gather(1, input_ids[0, 1:, None]).squeeze(1)).tolist()


def _cherry_answer_mean(tokenizer: Any, text: str, span: str, max_length: int,
                        losses: list[float]) -> tuple[int, float]:
    """`get_loss_part_text` of `put_ifd_score.py`: (answer token count, mean loss of the answer's tokens)."""
    end = len(_ids(tokenizer, text, max_length)[0])
    start = _start_token(tokenizer, text, span)
    part = losses[start - 1:end - 1]
    return end - start, (sum(part) / len(part) if part else NAN)


def cherry_ifd(tokenizer: Any, model: Any, items: Sequence[AlpacaItem], max_length: int = 512,
               template: Template = TEMPLATES["alpaca"]) -> list[float]:
    """IFD per sample as `data_analysis.py --mod cherry` followed by `put_ifd_score.py` computes it (NaN: none)."""
    scores = []
    for item in items:
        prompt = template.render(item.instruction, item.input)
        whole = prompt + item.output
        direct = CHERRY_DIRECT_PREFIX + item.output
        prompt_len = len(_ids(tokenizer, prompt, max_length)[0])
        budget = max_length - prompt_len - 2
        if budget <= 4:
            scores.append(NAN)
            continue
        len_1, mean_1 = _cherry_answer_mean(tokenizer, direct, item.output, budget,
                                            _cherry_token_losses(tokenizer, model, direct, item.output, budget))
        len_2, mean_2 = _cherry_answer_mean(tokenizer, whole, item.output, max_length,
                                            _cherry_token_losses(tokenizer, model, whole, item.output, max_length))
        if len_1 == 0 or len_2 == 0 or prompt_len + len_1 > max_length:
            scores.append(NAN)
        else:
            scores.append(mean_2 / mean_1)
    return scores


def _whole_loss(tokenizer: Any, model: Any, text: str, max_length: int) -> float:
    """`get_perplexity_and_embedding_whole_text` of Superfiltering: mean loss of every token after the first."""
    import torch

    if max_length < 1:
        return NAN  # the script's bare `except` would turn the tokenizer's complaint into a 0 loss
    input_ids = _ids(tokenizer, text, max_length, model.device)
    with torch.no_grad():
        return float(model(input_ids, labels=input_ids.contiguous()).loss)


def _part_loss(tokenizer: Any, model: Any, text: str, span: str, max_length: int) -> float:
    """`get_perplexity_and_embedding_part_text` of Superfiltering: mean loss from the span's first token on."""
    import torch

    input_ids = _ids(tokenizer, text, max_length, model.device)
    labels = input_ids.clone()
    labels[0, :_start_token(tokenizer, text, span)] = -100
    with torch.no_grad():
        return float(model(input_ids, labels=labels).loss)


def _ppl_ratio(loss_conditioned: float, loss_direct: float) -> float:
    """`put_analysis_to_data.py`: ppl_condition / ppl_direct, from the two losses."""
    direct = math.exp(loss_direct)
    return math.exp(loss_conditioned) / direct if direct else 0.0


def superfiltering_ifd(tokenizer: Any, model: Any, items: Sequence[AlpacaItem], max_length: int = 1024,
                       template: Template = TEMPLATES["none"]) -> list[float]:
    """ifd_ppl per sample as Superfiltering's `data_analysis.py` + `put_analysis_to_data.py` compute it."""
    scores = []
    for item in items:
        if item.output == "":
            scores.append(NAN)
            continue
        prompt = template.render(item.instruction, item.input)
        prompt_len = len(_ids(tokenizer, prompt, max_length)[0])
        loss_direct = _whole_loss(tokenizer, model, item.output, max_length - prompt_len + 1)
        loss_conditioned = _part_loss(tokenizer, model, prompt + item.output, item.output, max_length)
        scores.append(_ppl_ratio(loss_conditioned, loss_direct))
    return scores


def reflection_scores(tokenizer: Any, model: Any, items: Sequence[AlpacaItem], max_length: int = 2048,
                      template: Template = TEMPLATES["vicuna"]) -> list[tuple[float, float]]:
    """(ifd_ppl, rifd_ppl) per sample as Selective Reflection-Tuning's `selection_code/data_analysis.py` and
    `put_analysis_to_data.py` compute them."""
    scores = []
    for item in items:
        if item.output == "":
            scores.append((NAN, NAN))
            continue
        prompt = template.render(item.instruction, item.input)
        prompt_len = len(_ids(tokenizer, prompt, max_length)[0])
        reverse = reverse_prompt(template, item.output)
        reverse_len = len(_ids(tokenizer, reverse, max_length)[0])
        question = item.instruction + item.input
        loss_q_direct = _whole_loss(tokenizer, model, question, max_length - reverse_len + 1)
        loss_a_direct = _whole_loss(tokenizer, model, item.output, max_length - prompt_len + 1)
        loss_q_conditioned = _part_loss(tokenizer, model, reverse + question, item.instruction, max_length)
        loss_a_conditioned = _part_loss(tokenizer, model, prompt + item.output, item.output, max_length)
        scores.append((_ppl_ratio(loss_a_conditioned, loss_a_direct), _ppl_ratio(loss_q_conditioned, loss_q_direct)))
    return scores
