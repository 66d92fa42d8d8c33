"""`synthloom models`: prepare the embedded model, and see how a model spec resolves before a campaign uses it."""

from __future__ import annotations

import asyncio
import importlib.util
import time
from typing import Any

import click

from synthloom.errors import ConfigError


MODEL_OPTIONS = click.option("-o", "--option", "options", multiple=True, metavar="KEY=VALUE",
                             help="A backend option, as in the campaign file (values are read as YAML: 8, true, "
                                  "[a, b]).")


@click.group()
def models() -> None:
    """Prepare and inspect model backends."""


@models.command()
def prepare() -> None:
    """Convert the embedded model (Gemma 3 270M) to its safetensors cache, once; print where it is."""
    from rich.console import Console

    from synthloom.backends.embedded import embedded_model_dir, ensure_embedded_model, is_prepared

    console = Console()
    already = is_prepared(embedded_model_dir())
    path = ensure_embedded_model()
    size_mb = sum(f.stat().st_size for f in path.iterdir() if f.is_file()) / 2**20
    state = "already prepared" if already else "prepared"
    console.print(f"embedded model {state}: [bold]{path}[/bold] ({size_mb:.0f} MiB)")


@models.command()
@click.argument("spec")
@MODEL_OPTIONS
@click.option("--try", "try_prompt", metavar="PROMPT", help="Also load the model and complete PROMPT once.")
@click.option("--max-tokens", default=32, show_default=True, help="Tokens to generate with --try.")
def info(spec: str, options: tuple[str, ...], try_prompt: str | None, max_tokens: int) -> None:
    """How SPEC resolves: backend id (part of every cache key), options with defaults, device and dtype, whether
    it can score. SPEC is BACKEND:MODEL, e.g. transformers:embedded, litellm:openai/gpt-4o-mini,
    vllm:/models/llama; a bare MODEL means the transformers backend. Loads nothing unless --try is given."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    model_spec = spec_from_arg(spec, options)
    table = Table(show_header=False, box=None)
    for key, value in describe(model_spec).items():
        table.add_row(f"[bold]{key}[/bold]", escape(value))
    console = Console()
    console.print(table)
    if try_prompt is not None:
        _try(console, model_spec, try_prompt, max_tokens)


def describe(spec: Any) -> dict[str, str]:
    """What a built-in backend would do with `spec`, without loading a model or calling a server."""
    from synthloom.backends.options import parse_options

    rows = {"backend": spec.backend, "model": spec.model}
    if spec.backend == "transformers":
        from synthloom.backends.embedded import embedded_model_dir, is_prepared
        from synthloom.backends.torch_runtime import (
            BF16_CPU_FLAGS,
            cpu_has_fast_bf16,
            resolve_device,
            resolve_dtype,
        )
        from synthloom.backends.transformers_backend import TransformersOptions, backend_id

        options = parse_options(TransformersOptions, spec)
        device = resolve_device(options.device)
        dtype = resolve_dtype(options.dtype, device)
        rows["id"] = backend_id(spec.model, dtype)
        bf16 = "yes" if cpu_has_fast_bf16() else f"no ({' / '.join(BF16_CPU_FLAGS)} absent)"
        rows["device / dtype"] = f"{device} / {dtype} (cpu native bf16: {bf16})"
        if spec.model == "embedded":
            state = "prepared" if is_prepared() else "not prepared yet: `synthloom models prepare`"
            rows["embedded cache"] = f"{embedded_model_dir()} ({state})"
        rows["can score"] = "yes"
    elif spec.backend == "litellm":
        from synthloom.backends.litellm_backend import LiteLLMBackend, LiteLLMOptions

        backend = LiteLLMBackend(spec.model, parse_options(LiteLLMOptions, spec))
        options = backend.options
        rows["id"] = backend.id
        rows["transport"] = f"{backend.transport} ({'self-hosted' if backend.self_hosted else 'hosted API'})"
        rows["can score"] = "yes (echo + logprobs)" if backend.can_score else "no"
    elif spec.backend == "vllm":
        from synthloom.backends.vllm_backend import VLLMOptions, backend_id as vllm_id

        options = parse_options(VLLMOptions, spec)
        rows["id"] = vllm_id(spec.model, options.dtype)
        installed = importlib.util.find_spec("vllm") is not None
        rows["vllm installed"] = "yes" if installed else "no: pip install synthloom[vllm] on a GPU machine"
        rows["can score"] = "yes (prompt_logprobs)"
    else:
        raise ConfigError(f"`models info` describes the built-in backends (transformers, litellm, vllm), not "
                          f"{spec.backend!r}", hint="use --try to load a plugin backend through the registry")
    shown = {k: ("***" if k == "api_key" and v else v) for k, v in options.model_dump().items()}
    rows["options"] = ", ".join(f"{k}={v!r}" for k, v in shown.items())
    return rows


def spec_from_arg(spec: str, options: tuple[str, ...] = ()) -> Any:
    """A command line's BACKEND:MODEL (a bare MODEL means transformers) and `-o KEY=VALUE` options as a ModelSpec."""
    from synthloom.backends.base import ModelSpec

    backend, _, model = spec.partition(":") if ":" in spec else ("transformers", "", spec)
    return ModelSpec(backend=backend, model=model, **_parse_options(options))


def backend_from_arg(spec: str, options: tuple[str, ...] = ()) -> Any:
    """The backend a command names, built through the plugin registry like a campaign's (close it when done)."""
    return _backend_for(spec_from_arg(spec, options), where=spec)


def _backend_for(model_spec: Any, where: str) -> Any:
    from synthloom.errors import PluginError
    from synthloom.registry.contributions import build_registry

    try:
        return build_registry().backend(model_spec.backend)(model_spec)
    except PluginError as error:
        raise ConfigError(error.message, where=where, hint=error.hint) from None


def _parse_options(pairs: tuple[str, ...]) -> dict[str, Any]:
    import yaml

    parsed: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ConfigError(f"option {pair!r} is not KEY=VALUE", hint="e.g. -o batch_size=8")
        parsed[key.strip()] = yaml.safe_load(value)
    return parsed


def _try(console: Any, spec: Any, prompt: str, max_tokens: int) -> None:
    from synthloom.backends.base import GenerateRequest

    backend = _backend_for(spec, where=f"{spec.backend}:{spec.model}")
    try:
        started = time.perf_counter()
        [response] = asyncio.run(backend.generate([GenerateRequest(prompt=prompt, max_tokens=max_tokens)]))
        elapsed = time.perf_counter() - started
    finally:
        backend.close()
    if response.error:
        raise ConfigError(f"the model answered with an error: {response.error}", where=backend.id)
    from rich.markup import escape

    console.print(f"[dim]{escape(prompt)}[/dim]{escape(response.texts()[0])}")
    console.print(f"{response.completion_tokens} tokens in {elapsed:.2f} s")
