"""The one way a command names a model: `--model BACKEND:MODEL` and `-o KEY=VALUE` options, as in a campaign file.

`autoif`, `selection`, `train` and `models` all take these, so a model written once works in every command.
"""

from __future__ import annotations

from typing import Any, Callable, TypeVar

import click

from synthloom.errors import ConfigError

F = TypeVar("F", bound=Callable[..., Any])

MODEL_HELP = ("BACKEND:MODEL, e.g. litellm:openai/gpt-4o-mini, vllm:/models/x or transformers:embedded; a bare name "
              "or folder (or `embedded`) uses the transformers backend.")


def model_options(default: str | None = "embedded", help: str = MODEL_HELP) -> Callable[[F], F]:
    """`--model` (into `model`) and repeatable `-o/--option KEY=VALUE` (into `options`)."""
    def decorate(command: F) -> F:
        command = click.option("-o", "--option", "options", multiple=True, metavar="KEY=VALUE",
                               help="A backend option, as in the campaign file (values are read as YAML: 8, true, "
                                    "[a, b]).")(command)
        return click.option("--model", "model", default=default, required=default is None, show_default=True,
                            help=help)(command)
    return decorate


def sampling_options(config: type[Any] | None = None) -> Callable[[F], F]:
    """`--samples`, `--temperature`, `--top-p` and `--max-tokens`, with the defaults of `config` (a
    SamplingConfig class), handed to the command as one validated `sampling` argument."""
    import functools

    from pydantic import ValidationError

    from synthloom.sampling import SamplingConfig

    config = config or SamplingConfig
    names = {"samples": "--samples", "temperature": "--temperature", "top_p": "--top-p", "max_tokens": "--max-tokens"}

    def decorate(command: F) -> F:
        @functools.wraps(command)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            values = {name: kwargs.pop(name) for name in names}
            try:
                kwargs["sampling"] = config(**values)
            except ValidationError as error:
                first = error.errors()[0]
                raise ConfigError(f"{names[str(first['loc'][0])]}: {first['msg']}") from None
            return command(*args, **kwargs)

        for name, flag in reversed(names.items()):
            field = config.model_fields[name]
            wrapper = click.option(flag, name, default=field.default, show_default=True,
                                   type=field.annotation, help=field.description)(wrapper)
        return wrapper  # type: ignore[return-value]
    return decorate


def spec_from_arg(spec: str, options: tuple[str, ...] = ()) -> Any:
    """A command line's BACKEND:MODEL (a bare MODEL means transformers) and `-o KEY=VALUE` options as a ModelSpec."""
    from synthloom.backends.base import ModelSpec

    backend, sep, model = spec.partition(":")
    if not sep or "/" in backend or not backend:
        backend, model = "transformers", spec
    return ModelSpec(backend=backend, model=model, **_parse_options(options))


def _parse_options(pairs: tuple[str, ...]) -> dict[str, Any]:
    import yaml

    parsed: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"option {pair!r} is not KEY=VALUE", hint="e.g. -o batch_size=8")
        parsed[key.strip()] = yaml.safe_load(value)
    return parsed
