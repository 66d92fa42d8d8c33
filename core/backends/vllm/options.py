"""What a vLLM model spec may say, and how it resolves, without importing vLLM or starting anything."""

from __future__ import annotations

import importlib.util
import json
import os
from typing import Any, Mapping

from pydantic import BaseModel, ConfigDict, Field

from synthloom.backends.base import ModelSpec
from synthloom.backends.request_rules import LongPromptRule
from synthloom.errors import ConfigError

# Set for the engine's process unless the spec's `env` (or the environment) says otherwise: 2 GiB of KV cache hold
# 50,000 tokens of Gemma 3 270M in float32, plenty for a 2-core machine's batches. (The threads, see engine_env.)
CPU_ENV_DEFAULTS = {"VLLM_CPU_KVCACHE_SPACE": "2"}


class VLLMOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tensor_parallel_size: int = Field(default=1, ge=1)
    dtype: str = "auto"
    max_model_len: int | None = Field(default=None, ge=2)
    gpu_memory_utilization: float = Field(default=0.9, gt=0, le=1)
    on_long_prompt: LongPromptRule = "truncate"
    seed: int = 0
    tokenizer: str | None = Field(default=None, description="a folder or hub id; needed for a GGUF file")
    enforce_eager: bool | None = Field(default=None, description="default: on CPU yes (no graph compilation)")
    python: str | None = Field(default=None, description="the Python of an environment with vLLM")
    cpu_threads: str | None = Field(default=None, description="VLLM_CPU_OMP_THREADS_BIND; default: every core")
    env: dict[str, str] = Field(default_factory=dict, description="more environment variables for the engine")
    startup_timeout_s: float = Field(default=900.0, gt=0)
    engine_args: dict[str, Any] = Field(default_factory=dict, description="more vllm.LLM keyword arguments")


def backend_id(model: str, dtype: str) -> str:
    return f"vllm:{model}:{dtype}"


def engine_args(options: VLLMOptions) -> dict[str, Any]:
    """The `vllm.LLM` keyword arguments (besides `model`) that the options stand for."""
    args: dict[str, Any] = {
        "tensor_parallel_size": options.tensor_parallel_size, "dtype": options.dtype,
        "gpu_memory_utilization": options.gpu_memory_utilization, "seed": options.seed,
    }
    if options.max_model_len is not None:
        args["max_model_len"] = options.max_model_len
    if options.tokenizer is not None:
        args["tokenizer"] = options.tokenizer
    if options.enforce_eager is not None:
        args["enforce_eager"] = options.enforce_eager
    return {**args, **options.engine_args}


def engine_env(options: VLLMOptions, *, cpus: list[int] | None = None,
               inherited: Mapping[str, str] | None = None) -> dict[str, str]:
    """Environment variables for the engine's process: CPU defaults unless this process's environment (or
    `inherited`) sets them, then the spec's `env`. Threads go to every core this process may use (or `cpus`)."""
    inherited = os.environ if inherited is None else inherited
    cpus = sorted(os.sched_getaffinity(0)) if cpus is None else cpus
    env = {k: v for k, v in CPU_ENV_DEFAULTS.items() if k not in inherited}
    if options.cpu_threads is not None or "VLLM_CPU_OMP_THREADS_BIND" not in inherited:
        env["VLLM_CPU_OMP_THREADS_BIND"] = options.cpu_threads or cpu_list(cpus)
    return {**env, **options.env}


def cpu_list(cpus: list[int]) -> str:
    """Cores as vLLM's thread-binding syntax writes them: ranges joined by commas (`0-3,6`)."""
    ranges: list[str] = []
    for cpu in sorted(cpus):
        if ranges and cpu == int(ranges[-1].split("-")[-1]) + 1:
            ranges[-1] = f"{ranges[-1].split('-')[0]}-{cpu}"
        else:
            ranges.append(str(cpu))
    return ",".join(ranges)


def frozen(value: dict[str, Any]) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def check(spec: ModelSpec, options: VLLMOptions) -> None:
    """The model name and a GGUF file's tokenizer. A missing vLLM is reported when the engine is first needed, so
    that a campaign naming vllm still validates on a machine that only prepares it."""
    from synthloom.backends.embedded import check_model_name

    check_model_name(spec.model)
    if spec.model.endswith(".gguf") and options.tokenizer is None:
        raise ConfigError(f"vLLM loads the GGUF file {spec.model!r} only with its original model's tokenizer",
                          where=f"model {spec.model!r}",
                          hint="set `tokenizer:` to the original model's folder (or hub id, if cached), or use "
                               "the transformers backend, which reads the GGUF file's own tokenizer")


def describe(spec: ModelSpec, options: VLLMOptions) -> dict[str, str]:
    from synthloom.backends.vllm.interpreter import describe_python

    here = importlib.util.find_spec("vllm") is not None
    return {"id": backend_id(spec.model, options.dtype),
            "vllm installed": "yes" if here else "not in this Python (GPU: pip install synthloom[vllm])",
            "engine python": describe_python(options.python),
            "can score": "yes (prompt_logprobs)"}
