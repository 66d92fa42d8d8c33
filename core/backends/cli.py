"""`synthloom models`: prepare the embedded model, and see how a model spec resolves before a campaign uses it."""

from __future__ import annotations

import asyncio
import signal
import time
from typing import Any

import click

from synthloom.cli.model_option import model_options, spec_from_arg
from synthloom.errors import ConfigError


@click.group()
def models() -> None:
    """Prepare and inspect model backends."""


@models.command()
@click.argument("names", nargs=-1, type=click.Choice(["embedded", "embedded-chat"]))
def prepare(names: tuple[str, ...]) -> None:
    """Convert the embedded models (NAMES, default all: Gemma 3 270M and SmolLM2-135M-Instruct) to their
    safetensors caches, once; print where they are."""
    from rich.console import Console

    from synthloom.backends.embedded import EMBEDDED, embedded_model_dir, ensure_embedded_model, is_prepared

    console = Console()
    for name in names or tuple(EMBEDDED):
        already = is_prepared(embedded_model_dir(name))
        path = ensure_embedded_model(name)
        size_mb = sum(f.stat().st_size for f in path.iterdir() if f.is_file()) / 2**20
        state = "already prepared" if already else "prepared"
        console.print(f"embedded model {name} ({EMBEDDED[name].title}) {state}: [bold]{path}[/bold] "
                      f"({size_mb:.0f} MiB)")


@models.command()
@model_options(default=None, help="BACKEND:MODEL, e.g. transformers:embedded, litellm:openai/gpt-4o-mini, "
                                  "vllm:/models/llama; a bare MODEL means the transformers backend.")
@click.option("--try", "try_prompt", metavar="PROMPT", help="Also load the model and complete PROMPT once.")
@click.option("--max-tokens", default=32, show_default=True, help="Tokens to generate with --try.")
def info(model: str, options: tuple[str, ...], try_prompt: str | None, max_tokens: int) -> None:
    """How --model resolves: backend id (part of every cache key), options with defaults, device and dtype, whether
    it can score. Any registered backend describes itself, a plugin's too. Loads nothing unless --try is given."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    spec = spec_from_arg(model, options)
    table = Table(show_header=False, box=None)
    for key, value in describe(spec).items():
        table.add_row(f"[bold]{key}[/bold]", escape(value))
    console = Console()
    console.print(table)
    if try_prompt is not None:
        _try(console, spec, try_prompt, max_tokens)


def describe(spec: Any) -> dict[str, str]:
    """What the spec's backend would do with it, without loading a model or calling a server."""
    from synthloom.errors import PluginError
    from synthloom.registry.contributions import build_registry

    try:
        return build_registry().backend(spec.backend).describe(spec)
    except PluginError as error:
        raise ConfigError(error.message, where=f"--model {spec.backend}:{spec.model}", hint=error.hint) from None


def _try(console: Any, spec: Any, prompt: str, max_tokens: int) -> None:
    from rich.markup import escape

    from synthloom.backends.base import GenerateRequest
    from synthloom.model_session import build_backend

    backend = build_backend(spec, where=f"{spec.backend}:{spec.model}")
    try:
        started = time.perf_counter()
        [response] = asyncio.run(backend.generate([GenerateRequest(prompt=prompt, max_tokens=max_tokens)]))
        elapsed = time.perf_counter() - started
    finally:
        backend.close()
    if response.error:
        raise ConfigError(f"the model answered with an error: {response.error}", where=backend.id)
    console.print(f"[dim]{escape(prompt)}[/dim]{escape(response.texts()[0])}")
    console.print(f"{response.completion_tokens} tokens in {elapsed:.2f} s")


@models.command()
@model_options(default="embedded", help="The model for vLLM: `embedded`, a model folder or a cached hub id "
                                        "(`vllm:` in front is allowed); -o options as in a campaign's vllm model.")
@click.option("--port", default=8000, show_default=True, help="Port on 127.0.0.1; 0 picks a free one.")
@click.option("--name", default=None, help="The name clients ask for (hosted_vllm/NAME); default: the model's.")
def serve(model: str, options: tuple[str, ...], port: int, name: str | None) -> None:
    """Run vLLM's OpenAI-compatible server for a model on 127.0.0.1 until Ctrl-C, from the same environment and
    with the same settings as the vllm backend's engine (on CPU: scripts/setup_vllm.sh makes it), and print the
    campaign model entry that uses it."""
    from synthloom.backends.vllm.server import VLLMServer
    from synthloom.registry.contributions import build_registry

    spec = spec_from_arg(f"vllm:{model.removeprefix('vllm:')}", options)
    build_registry().backend("vllm").validate(spec)
    server = VLLMServer(spec, port=port, name=name)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    click.echo(f"starting vLLM's server for {spec.model} on port {server.port} (a model loads in about a minute)",
               err=True)
    try:
        server.start()
        server.wait_ready()
        entry = ", ".join(f"{key}: {value}" for key, value in server.campaign_spec().items())
        click.echo(f"serving {server.name} at {server.url}\n  in a campaign: {{{entry}}}", nl=True)
        code = server.wait()
    except KeyboardInterrupt:
        code = 0
    finally:
        server.stop()
    if code:
        raise ConfigError(f"vLLM's server exited with code {code}", where=f"vllm:{spec.model}",
                          hint="its messages above say why")


def _stop_on_sigterm(signum: int, frame: Any) -> None:
    """SIGTERM stops `serve` as Ctrl-C does: the server and its engine shut down before the command exits."""
    raise KeyboardInterrupt
