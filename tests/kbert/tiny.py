"""A tiny BERT and its word-piece vocabulary, built from a config in a second: the pair model's machinery without
MiniLM's weights."""

from __future__ import annotations

from pathlib import Path

WORDS = ("the dog cat sat on a mat kitten answer with emoji only translate your into emojis use no words letter "
         "e write response backward car automobile happy sad play ##s ##ing ##ed un ##known").split()


def build_tiny_bert(folder: Path, layers: int = 2) -> Path:
    import torch
    from transformers import BertConfig, BertModel, BertTokenizer

    folder.mkdir(parents=True, exist_ok=True)
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *WORDS]
    BertTokenizer(vocab={token: i for i, token in enumerate(vocab)}, do_lower_case=True).save_pretrained(str(folder))
    torch.manual_seed(0)
    config = BertConfig(vocab_size=len(vocab), hidden_size=32, num_hidden_layers=layers, num_attention_heads=4,
                        intermediate_size=48, max_position_embeddings=64, hidden_dropout_prob=0.0,
                        attention_probs_dropout_prob=0.0)
    BertModel(config).save_pretrained(str(folder))
    return folder
