"""A tiny random Gemma 3 model with a small byte-level BPE tokenizer, saved like a Hugging Face checkpoint.

Built in a second from a config (no hub, no embedded cache), so that backend tests exercise the real transformers
code paths (Gemma 3 attention, sliding windows, final logit softcapping) at toy size.
"""

from __future__ import annotations

from pathlib import Path

CORPUS = [
    "The quick brown fox jumps over the lazy dog.",
    "System: You are helpful.\nUser: Name a colour.\nAssistant: Red.",
    "Once upon a time there was a cat that sat on the mat.",
    "{\"answer\": \"yes\", \"score\": 3}",
    "Paris is the capital of France. Berlin is the capital of Germany.",
] * 20


def build_tiny_model(directory: Path, *, softcap: float | None = 30.0, vocab_size: int = 384) -> Path:
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import Gemma3ForCausalLM, Gemma3TextConfig, PreTrainedTokenizerFast

    specials = ["<pad>", "<eos>", "<bos>", "<unk>"]
    tokenizer = Tokenizer(models.BPE(unk_token="<unk>"))
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=specials,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tokenizer.train_from_iterator(CORPUS, trainer)
    tokenizer.post_processor = processors.TemplateProcessing(single="<bos> $A", special_tokens=[("<bos>", 2)])
    fast = PreTrainedTokenizerFast(tokenizer_object=tokenizer, pad_token="<pad>", eos_token="<eos>",
                                   bos_token="<bos>", unk_token="<unk>")
    config = Gemma3TextConfig(
        vocab_size=tokenizer.get_vocab_size(), hidden_size=64, intermediate_size=128, num_hidden_layers=2,
        num_attention_heads=2, num_key_value_heads=1, head_dim=32, max_position_embeddings=128,
        sliding_window=16, final_logit_softcapping=softcap, pad_token_id=0, eos_token_id=1, bos_token_id=2,
        layer_types=["sliding_attention", "full_attention"],
    )
    torch.manual_seed(0)
    model = Gemma3ForCausalLM(config)
    model.save_pretrained(str(directory))
    fast.save_pretrained(str(directory))
    return directory
