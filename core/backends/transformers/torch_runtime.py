"""Where and in which precision a local model runs (device, dtype), decided once per backend."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

DeviceOption = Literal["auto", "cpu", "cuda"]
DtypeOption = Literal["auto", "float32", "bfloat16"]
BF16_CPU_FLAGS = ("amx_bf16", "avx512_bf16")


def cpu_flags(cpuinfo: Path = Path("/proc/cpuinfo")) -> set[str]:
    try:
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("flags"):
                return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def cpu_has_fast_bf16(flags: set[str] | None = None) -> bool:
    """bf16 matmuls are only faster than fp32 on CPUs with native bf16 instructions (AMX or AVX512-BF16); on the
    others PyTorch emulates them and they are slower."""
    return any(flag in (cpu_flags() if flags is None else flags) for flag in BF16_CPU_FLAGS)


def default_cpu_threads() -> int:
    """All usable cores but one, which stays free for the event loop, the store writer and the sandbox.

    Measured on a 2-core VM shared with other work: a batched Gemma 3 270M generation took 4.8 s with one torch
    thread and 37 s with two, because torch's threads wait on each other whenever any core is taken.
    """
    return max(1, len(os.sched_getaffinity(0)) - 1)


def resolve_device(option: DeviceOption) -> str:
    import torch

    if option == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return option


def resolve_dtype(option: DtypeOption, device: str, flags: set[str] | None = None) -> str:
    """`auto`: bfloat16 on CUDA and on CPUs with native bf16, float32 elsewhere."""
    if option != "auto":
        return option
    if device == "cuda":
        return "bfloat16"
    return "bfloat16" if cpu_has_fast_bf16(flags) else "float32"


def torch_dtype(name: str) -> Any:
    import torch

    return getattr(torch, name)
