"""What a transformers model spec may say, and how it resolves (device, dtype, cache key) without loading torch.

The campaign loader validates specs with `TransformersOptions` before anything runs; `synthloom models info` prints
`describe()`.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from synthloom.backends.base import ModelSpec
from synthloom.backends.request_rules import LongPromptRule
from synthloom.backends.transformers.torch_runtime import DeviceOption, DtypeOption


class TransformersOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    dtype: DtypeOption = "auto"
    device: DeviceOption = "auto"
    batch_size: int = Field(default=16, ge=1, description="rows (prompts x samples) per generate/score batch")
    max_context: int | None = Field(default=None, ge=2, description="default: the model's max_position_embeddings")
    on_long_prompt: LongPromptRule = "truncate"
    score_chunk_rows: int = Field(default=64, ge=1, description="positions per LM-head chunk when scoring")
    threads: int | None = Field(default=None, ge=1, description="torch CPU threads; default: all cores but one")
    max_images: int = Field(default=1, ge=0, description="images per prompt a vision-language model is given at "
                                                         "most (vLLM's limit_mm_per_prompt default)")


def backend_id(model: str, dtype: str) -> str:
    """Part of every cache key: the model and the dtype, which changes outputs."""
    return f"transformers:{model}:{dtype}"


def check(spec: ModelSpec, options: TransformersOptions) -> None:
    """A model that is neither embedded, nor a local folder, nor a hub id fails here rather than at its first call."""
    from synthloom.backends.embedded import check_model_name

    check_model_name(spec.model)


def describe(spec: ModelSpec, options: TransformersOptions) -> dict[str, str]:
    from synthloom.backends.embedded import describe_local_model
    from synthloom.backends.transformers.torch_runtime import (
        BF16_CPU_FLAGS,
        cpu_has_fast_bf16,
        resolve_device,
        resolve_dtype,
    )

    device = resolve_device(options.device)
    dtype = resolve_dtype(options.dtype, device)
    bf16 = "yes" if cpu_has_fast_bf16() else f"no ({' / '.join(BF16_CPU_FLAGS)} absent)"
    return {"id": backend_id(spec.model, dtype), "device / dtype": f"{device} / {dtype} (cpu native bf16: {bf16})",
            **describe_local_model(spec.model), "can score": "yes"}
