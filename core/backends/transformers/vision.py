"""Vision-language models in the transformers backend: loading, and turning a chat with images into model inputs.

A model is a vision-language model when its config has a `vision_config` (Llava, Qwen2-VL, Gemma 3, Idefics, ...):
it loads with `AutoModelForImageTextToText` and `AutoProcessor`. Each request is rendered with the processor's
chat template (an `{"type": "image"}` part per image, before the text, as LLaVA's prompts put `<image>` first) and
run through the processor alone, which expands each image into its image tokens; the backend then batches the
token ids like any prompt and concatenates the per-request image tensors (`pixel_values`, `image_grid_thw`, ...)
along their first axis, in the order of the batch's rows, which is the order the models consume them in.
Imported only when such a model is loaded (it imports torch).
"""

from __future__ import annotations

from typing import Any

import torch

from synthloom.backends.base import ChatMessage, GenerateRequest
from synthloom.errors import ConfigError

# Per-request processor outputs that are not per-token and so are not padded like input ids.
TOKEN_KEYS = ("input_ids", "attention_mask", "token_type_ids", "mm_token_type_ids")


def is_vision_model(source: Any) -> bool:
    from transformers import AutoConfig

    return getattr(AutoConfig.from_pretrained(source), "vision_config", None) is not None


def load(source: Any, dtype: Any) -> tuple[Any, Any]:
    """(model, processor) of a local vision-language model."""
    from transformers import AutoModelForImageTextToText, AutoProcessor

    processor = AutoProcessor.from_pretrained(source)
    if getattr(processor, "chat_template", None) is None:
        raise ConfigError(f"vision-language model {str(source)!r} has no chat template in its processor",
                          hint="save the processor with a chat_template (processor_config / chat_template.jinja)")
    return AutoModelForImageTextToText.from_pretrained(source, dtype=dtype), processor


def _parts(message: ChatMessage) -> dict[str, Any]:
    content = [{"type": "image"} for _ in message.images] + [{"type": "text", "text": message.content}]
    return {"role": message.role, "content": content}


def prompt_inputs(processor: Any, request: GenerateRequest, max_images: int,
                  where: str) -> tuple[list[int], dict[str, torch.Tensor]]:
    """The prompt's token ids (image tokens expanded) and its image tensors; ConfigError (for this item) when it
    holds more images than `max_images`."""
    from synthloom.images import to_pil

    if request.messages is None:
        return processor.tokenizer(request.prompt or "")["input_ids"], {}
    images = [image for message in request.messages for image in message.images]
    if len(images) > max_images:
        raise ConfigError(f"the prompt has {len(images)} images; this model takes at most {max_images} per prompt",
                          where=where, hint="send fewer images, or raise the model's `max_images` option")
    text = processor.apply_chat_template([_parts(m) for m in request.messages], add_generation_prompt=True,
                                         tokenize=False)
    inputs = processor(text=[text], images=[to_pil(i) for i in images] or None, return_tensors="pt",
                       add_special_tokens=False)
    extra = {key: value for key, value in inputs.items() if key not in TOKEN_KEYS}
    return inputs["input_ids"][0].tolist(), extra


def batch_extras(extras: list[dict[str, torch.Tensor]], device: str, dtype: torch.dtype) -> dict[str, torch.Tensor]:
    """The image tensors of a batch's rows, concatenated in row order; pixel values in the model's dtype."""
    keys = sorted({key for extra in extras for key in extra})
    joined = {key: torch.cat([extra[key] for extra in extras if key in extra]).to(device) for key in keys}
    return {key: value.to(dtype) if value.is_floating_point() else value for key, value in joined.items()}
