"""Our batched scoring against re-creations of the reference scripts' per-sample loops, on a tiny real model."""

from __future__ import annotations

import asyncio
import math
from typing import Any, Sequence

import pytest

from synthloom.plugins.selection.parsing import AlpacaItem
from synthloom.plugins.selection.plans import text_plan
from synthloom.plugins.selection.scoring import SampleScores, ScoringOptions, score_items
from tests.selection import reference
from tests.selection.tiny import alpaca_rows

pytestmark = pytest.mark.model

LONG = AlpacaItem("Tell a long story.", "", "Once upon a time a cat sat on a mat. " * 40)
HUGE_PROMPT = AlpacaItem("Summarise the following text.", "word " * 300, "A short summary.")
EMPTY = AlpacaItem("Say nothing at all.", "", "")
NON_ENGLISH = AlpacaItem("把这句话翻译成英语：我喜欢喝茶。", "", "I like drinking tea. 🍵 — très bien, ¿verdad?")
ITEMS = [AlpacaItem(r["instruction"], r["input"], r["output"]) for r in alpaca_rows(14)] + [
    LONG, HUGE_PROMPT, EMPTY, NON_ENGLISH]


def ours(backend: Any, items: Sequence[AlpacaItem], **options: Any) -> list[SampleScores]:
    return asyncio.run(score_items(items, ScoringOptions(**options), backend.score, backend.tokenizer))


def assert_same(mine: Sequence[float | None], theirs: Sequence[float], tolerance: float = 1e-5) -> None:
    assert len(mine) == len(theirs)
    for index, (a, b) in enumerate(zip(mine, theirs)):
        if math.isnan(b):
            assert a is None, f"item {index}: the reference has no score, we have {a}"
        else:
            assert a is not None and abs(a - b) <= tolerance * abs(b), f"item {index}: {a} vs reference {b}"


def test_cherry_compat_equals_the_reference_loop(tiny_backend: Any, tiny_reference: Any) -> None:
    tokenizer, model = tiny_reference
    scores = ours(tiny_backend, ITEMS, compat="cherry", max_length=160)
    assert_same([s.fields()["ifd"] for s in scores], reference.cherry_ifd(tokenizer, model, ITEMS, 160))
    assert scores[ITEMS.index(LONG)].ifd.truncated
    assert scores[ITEMS.index(LONG)].ifd.conditioned is not None  # truncated by the reference's rule, still scored


def test_superfiltering_compat_equals_the_reference_loop(tiny_backend: Any, tiny_reference: Any) -> None:
    tokenizer, model = tiny_reference
    scores = ours(tiny_backend, ITEMS, compat="superfiltering", max_length=160)
    assert_same([s.fields()["ifd_ppl"] for s in scores], reference.superfiltering_ifd(tokenizer, model, ITEMS, 160))
    assert scores[ITEMS.index(LONG)].ifd.truncated


def test_reflection_compat_equals_the_reference_loop(tiny_backend: Any, tiny_reference: Any) -> None:
    tokenizer, model = tiny_reference
    scores = ours(tiny_backend, ITEMS, compat="reflection", max_length=400, reverse=True)
    expected = reference.reflection_scores(tokenizer, model, ITEMS, 400)
    assert_same([s.fields()["ifd_ppl"] for s in scores], [e[0] for e in expected])
    assert_same([s.fields()["rifd"] for s in scores], [e[1] for e in expected])


def test_empty_output_is_skipped_with_a_reason(tiny_backend: Any) -> None:
    for options in ({}, {"compat": "cherry"}, {"compat": "superfiltering"}, {"compat": "reflection", "reverse": True}):
        fields = ours(tiny_backend, [EMPTY], **options)[0].fields()
        assert fields["ifd"] is None and fields["ifd_ppl"] is None
        assert "empty answer" in fields["reason"]


def test_a_prompt_that_fills_the_context_is_skipped_like_the_reference(tiny_backend: Any,
                                                                        tiny_reference: Any) -> None:
    tokenizer, model = tiny_reference
    fields = ours(tiny_backend, [HUGE_PROMPT], compat="cherry", max_length=160)[0].fields()
    assert fields["ifd"] is None and "fills the context" in fields["reason"] and fields["truncated"]
    assert math.isnan(reference.cherry_ifd(tokenizer, model, [HUGE_PROMPT], 160)[0])


def test_default_mode_scores_exactly_the_answer_tokens(tiny_backend: Any) -> None:
    for item in (ITEMS[0], NON_ENGLISH):
        prompt = "### Instruction:\n" + item.instruction + "\n\n### Response:"
        plan = text_plan(prompt, item.output, max_length=None)
        conditioned, direct = asyncio.run(tiny_backend.score([plan.conditioned, plan.direct]))
        tokenizer = tiny_backend.tokenizer
        assert tokenizer.convert_tokens_to_string(conditioned.tokens) == item.output
        assert tokenizer.convert_tokens_to_string(direct.tokens) == item.output


def test_default_mode_loss_equals_a_full_forward(tiny_backend: Any, tiny_reference: Any) -> None:
    import torch

    tokenizer, model = tiny_reference
    item = NON_ENGLISH
    prompt = "Q: " + item.instruction + "\nA:"
    encoded = tokenizer(prompt + item.output, return_offsets_mapping=True)
    first = next(i for i, (start, _) in enumerate(encoded["offset_mapping"]) if i > 0 and start >= len(prompt))
    ids = torch.tensor([encoded["input_ids"]])
    with torch.no_grad():
        logprobs = torch.log_softmax(model(ids).logits[0, :-1], dim=-1)
    expected = -logprobs[first - 1:].gather(1, ids[0, first:, None]).mean().item()
    plan = text_plan(prompt, item.output, None)
    conditioned = asyncio.run(tiny_backend.score([plan.conditioned]))[0]
    assert -sum(conditioned.logprobs) / len(conditioned.logprobs) == pytest.approx(expected, rel=1e-5)


def test_default_mode_truncation_is_flagged_and_aligns_the_two_means(tiny_backend: Any) -> None:
    scores = ours(tiny_backend, [LONG], max_length=400)[0]
    assert scores.ifd.truncated and scores.ifd.conditioned is not None
    full = ours(tiny_backend, [AlpacaItem("x", "", LONG.output)], max_length=4000)[0]
    assert scores.ifd.tokens < full.ifd.tokens  # only the answer tokens that fit were compared


def test_non_english_and_duplicate_samples_score_like_any_other(tiny_backend: Any) -> None:
    scores = ours(tiny_backend, [NON_ENGLISH, NON_ENGLISH, ITEMS[0]], reverse=True)
    first, again = scores[0].fields(), scores[1].fields()
    assert first["ifd"] is not None and math.isfinite(first["ifd"]) and math.isfinite(first["rifd"])
    assert first["ifd"] == pytest.approx(again["ifd"], rel=1e-6)  # same text, same score, whatever its batch


def test_reverse_needs_a_rule_that_has_one() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="reversed IFD"):
        ScoringOptions(compat="cherry", reverse=True)
