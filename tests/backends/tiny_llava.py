"""A tiny random Llava (CLIP vision tower, Llama text model) with a locally trained tokenizer and a LlavaProcessor,
saved like a Hugging Face checkpoint, and real photographs from scikit-image's bundled data.

No vision-language weights can be installed offline, so tests build one from a config in seconds: it exercises the
real processor (image token expansion, CLIP preprocessing), the real `generate` with `pixel_values`, and TRL's
vision DPO collator, at toy size. The photographs ship inside scikit-image's wheel (a BSD-3-Clause package); their
own terms, from the docstrings of `skimage.data`: astronaut (NASA, public domain), chelsea and coffee (CC0 by the
photographers), rocket (SpaceX, released into the public domain). They are read from the installed package, never
copied into the repository. `python -m tests.backends.tiny_llava [DIR]` writes both into DIR (default runs/sima)
for examples/sima.yaml.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

PHOTOS = ("astronaut", "chelsea", "coffee", "rocket")

CORPUS = [
    "USER: <image>\nWhat is in the image? ASSISTANT: A cat sits on a sofa.",
    "The image shows an astronaut in a white suit beside a flag.",
    "A cup of coffee on a saucer, seen from above.",
    "A rocket stands on the launch pad under a blue sky.",
    "The better AI generated response: [[1]]. The reason: response 1 matches the ground truth.",
] * 20

# The layout of llava-hf's LLaVA-1.5 template: `ROLE: `, the images as `<image>\n`, then the text.
CHAT_TEMPLATE = (
    "{% for m in messages %}{{ m['role'].upper() + ': ' }}"
    "{% if m['content'] is string %}{{ m['content'] }}{% else %}"
    "{% for c in m['content'] if c['type'] == 'image' %}{{ '<image>\n' }}{% endfor %}"
    "{% for c in m['content'] if c['type'] == 'text' %}{{ c['text'] }}{% endfor %}{% endif %}"
    "{% if m['role'] == 'assistant' %}{{ '</s>' }}{% endif %}{{ ' ' }}{% endfor %}"
    "{% if add_generation_prompt %}{{ 'ASSISTANT:' }}{% endif %}"
)


def build_tiny_llava(directory: Path, *, image_size: int = 32, patch_size: int = 8,
                     corpus: Sequence[str] = CORPUS, vocab_size: int = 400) -> Path:
    """The model folder. `corpus` and `vocab_size` shape the tokenizer: the tests' 400 tokens make the SIMA critic
    prompt about 4,000 tokens long; the benchmark trains one on the prompt that makes it about 1,250, what a real
    LLaVA tokenizer makes of it."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import (
        CLIPImageProcessor,
        CLIPVisionConfig,
        LlamaConfig,
        LlavaConfig,
        LlavaForConditionalGeneration,
        LlavaProcessor,
        PreTrainedTokenizerFast,
    )

    tokenizer = Tokenizer(models.BPE(unk_token="<unk>"))
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=["<pad>", "<s>", "</s>", "<unk>", "<image>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tokenizer.train_from_iterator(corpus, trainer)
    tokenizer.post_processor = processors.TemplateProcessing(single="<s> $A", special_tokens=[("<s>", 1)])
    fast = PreTrainedTokenizerFast(tokenizer_object=tokenizer, bos_token="<s>", eos_token="</s>", pad_token="<pad>",
                                   unk_token="<unk>", extra_special_tokens={"image_token": "<image>"})
    vision = CLIPVisionConfig(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=2,
                              image_size=image_size, patch_size=patch_size, projection_dim=32)
    text = LlamaConfig(vocab_size=tokenizer.get_vocab_size(), hidden_size=32, intermediate_size=64,
                       num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                       max_position_embeddings=8192, bos_token_id=1, eos_token_id=2, pad_token_id=0)
    image_token = fast.convert_tokens_to_ids("<image>")
    config = LlavaConfig(vision_config=vision, text_config=text, image_token_index=image_token,
                         vision_feature_layer=-2, vision_feature_select_strategy="default",
                         image_seq_length=(image_size // patch_size) ** 2)
    torch.manual_seed(0)
    LlavaForConditionalGeneration(config).save_pretrained(directory)
    images = CLIPImageProcessor(size={"shortest_edge": image_size},
                                crop_size={"height": image_size, "width": image_size})
    LlavaProcessor(image_processor=images, tokenizer=fast, patch_size=patch_size, chat_template=CHAT_TEMPLATE,
                   vision_feature_select_strategy="default", num_additional_image_tokens=1).save_pretrained(directory)
    return directory


def write_photos(directory: Path, names: tuple[str, ...] = PHOTOS) -> list[Path]:
    """scikit-image's bundled photographs as PNG files (they are stored in the wheel as PNG/JPEG already)."""
    import shutil

    import skimage.data

    source = Path(skimage.data.__file__).parent
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in names:
        found = next(source.glob(f"{name}.*"))
        paths.append(Path(shutil.copy(found, directory / found.name)))
    return paths


if __name__ == "__main__":
    import sys

    target = Path(sys.argv[1] if len(sys.argv) > 1 else "runs/sima")
    build_tiny_llava(target / "tiny-llava")
    write_photos(target / "images")
    print(f"wrote {target / 'tiny-llava'} and {target / 'images'}")
