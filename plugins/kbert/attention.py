"""The prior injected into BERT's self-attention, through transformers' attention interface.

`softmax((QKᵀ/√d) ⊙ P + mask)`: the scaled scores are multiplied element-wise by the prior P before the padding mask
and the softmax, in the layers listed in `config.kbert_prior_layers` (the reference: the first layer only), every
head, no learned weight. P reaches the layers as the `knowledge_prior` keyword of the model's forward call, which
transformers passes down to the attention function untouched. Without it (or with P all ones) this is BERT's eager
attention, bit for bit.

Two registrations are needed. transformers builds the padding mask through a *mask* interface keyed by the same
name as the attention function; a name it does not know gets no mask at all, silently, and every layer then attends
to padding. So the eager mask is registered under this name too.

The padding mask is applied in every layer by default. `config.kbert_mask_every_layer = False` reproduces the
reference code, which adds the mask only where it multiplies in the prior (its layers 2-12 attend to padding, so
its results depend on how far a batch is padded).
"""

from __future__ import annotations

from typing import Any

NAME = "kbert_prior"
_registered = False


def prior_attention(module: Any, query: Any, key: Any, value: Any, attention_mask: Any, scaling: float | None = None,
                    dropout: float = 0.0, knowledge_prior: Any = None, **kwargs: Any) -> tuple[Any, Any]:
    """Eager scaled dot-product attention with the prior multiplied into the scores of the chosen layers."""
    import torch

    config = module.config
    scores = torch.matmul(query, key.transpose(2, 3)) * (scaling if scaling is not None else query.size(-1) ** -0.5)
    with_prior = knowledge_prior is not None and module.layer_idx in getattr(config, "kbert_prior_layers", (0,))
    if with_prior:
        scores = scores * knowledge_prior[:, None].to(scores.dtype)
    masked = getattr(config, "kbert_mask_every_layer", True) or with_prior or knowledge_prior is None
    if attention_mask is not None and masked:
        scores = scores + attention_mask
    weights = torch.nn.functional.softmax(scores, dim=-1)
    weights = torch.nn.functional.dropout(weights, p=dropout, training=module.training)
    return torch.matmul(weights, value).transpose(1, 2).contiguous(), weights


def register() -> str:
    """Register the attention function and its mask function under NAME (once) and return NAME."""
    global _registered
    if not _registered:
        from transformers import AttentionInterface
        from transformers.masking_utils import AttentionMaskInterface, eager_mask

        AttentionInterface.register(NAME, prior_attention)
        AttentionMaskInterface.register(NAME, eager_mask)
        _registered = True
    return NAME
