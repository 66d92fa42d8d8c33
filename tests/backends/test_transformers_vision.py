"""The transformers backend with a vision-language model (a tiny Llava): chats with images, batched."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from synthloom.backends.base import ChatMessage, GenerateRequest, ModelSpec
from synthloom.images import load_image

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory):
    from synthloom.backends.transformers.backend import create
    from tests.backends.tiny_llava import build_tiny_llava

    directory = build_tiny_llava(tmp_path_factory.mktemp("tiny-llava"))
    return create(ModelSpec(backend="transformers", model=str(directory), batch_size=4))


@pytest.fixture(scope="module")
def images(tmp_path_factory: pytest.TempPathFactory):
    from tests.backends.tiny_llava import write_photos

    return [load_image(p, max_side=128) for p in write_photos(tmp_path_factory.mktemp("photos"))]


def ask(text: str, images: list, **sampling) -> GenerateRequest:
    return GenerateRequest(messages=[ChatMessage(role="user", content=text, images=images)], max_tokens=8, **sampling)


def test_batched_image_prompts_answer_as_one_at_a_time(backend, images) -> None:
    requests = [ask("What is in the image?", [image], temperature=t, seed=3) for image in images for t in (0, 0.8)]
    requests.append(ask("No image here.", []))
    batched = asyncio.run(backend.generate(requests))
    alone = [asyncio.run(backend.generate([r]))[0] for r in requests]
    assert [r.texts() for r in batched] == [r.texts() for r in alone]
    assert backend.accepts_images and backend.prompt_style == "chat"
    # 16 image tokens (a 32-pixel image in 8-pixel patches) in place of <image>
    assert batched[0].prompt_tokens == len(backend.tokenizer("USER: \nWhat is in the image? ASSISTANT:",
                                                             add_special_tokens=False)["input_ids"]) + 16


def test_more_images_than_the_model_takes_fail_that_item(backend, images) -> None:
    ok, refused = asyncio.run(backend.generate([ask("One.", images[:1]), ask("Two.", images[:2])]))
    assert ok.error is None
    assert "the prompt has 2 images; this model takes at most 1 per prompt" in refused.error


def test_a_prompt_too_long_for_the_context_is_refused_not_cut(backend, images) -> None:
    [response] = asyncio.run(backend.generate([ask("word " * 5000, images[:1])]))
    assert "only" in response.error and response.generations == []
