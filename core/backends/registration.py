"""A backend as a plugin registers it: how to create one, how to check a model spec, how to describe it.

Checking and describing must not load anything heavy (torch, litellm, vllm): campaigns are validated before
anything runs, and `synthloom models info` describes a spec without loading a model. So a backend names its parts
as import paths ("package.module:attr"), imported only when used, or passes the objects themselves.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, Callable

from pydantic import BaseModel

from synthloom.backends.base import Backend, ModelSpec
from synthloom.backends.options import parse_options
from synthloom.errors import PluginError

Target = Callable[..., Any] | str


def _resolve(target: Target | type[BaseModel] | None, backend: str, what: str) -> Any:
    if not isinstance(target, str):
        return target
    module, _, attr = target.partition(":")
    try:
        return getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError) as error:
        raise PluginError(f"backend {backend!r}: cannot import its {what} {target!r}: {error}",
                          hint="check the plugin's installation") from None


@dataclass(frozen=True)
class BackendType:
    """`create(spec) -> Backend`; `options`: a pydantic model of the spec's options (extra fields forbidden), checked
    when a campaign loads; `check(spec)`: further checks of the model name; `describe(spec) -> {label: text}`: what
    `synthloom models info` prints besides the options."""

    name: str
    create_with: Target
    options: type[BaseModel] | str | None = None
    check_with: Target | None = None
    describe_with: Target | None = None

    @classmethod
    def of(cls, name: str, factory: "BackendType | Callable[[ModelSpec], Backend]") -> "BackendType":
        """What `register(name, factory)` received, as a BackendType: a plain factory describes nothing."""
        if isinstance(factory, BackendType):
            return factory if factory.name == name else BackendType(name, factory.create_with, factory.options,
                                                                     factory.check_with, factory.describe_with)
        if not callable(factory):
            raise PluginError(f"backend {name!r} was registered with {factory!r}, which is neither a BackendType "
                              "nor a callable taking a ModelSpec")
        return cls(name, factory)

    def options_model(self) -> type[BaseModel] | None:
        return _resolve(self.options, self.name, "options model")

    def validate(self, spec: ModelSpec) -> BaseModel | None:
        """The spec's options, parsed; ConfigError naming every unknown or invalid option, or a bad model name."""
        model = self.options_model()
        options = parse_options(model, spec) if model is not None else None
        check = _resolve(self.check_with, self.name, "check")
        if check is not None:
            check(spec, options)
        return options

    def create(self, spec: ModelSpec) -> Backend:
        return _resolve(self.create_with, self.name, "factory")(spec)

    def describe(self, spec: ModelSpec) -> dict[str, str]:
        """Label -> text: the backend's own lines, then every option with its value (secrets masked)."""
        options = self.validate(spec)
        describe = _resolve(self.describe_with, self.name, "description")
        rows = {"backend": spec.backend, "model": spec.model, **(describe(spec, options) if describe else {})}
        if options is not None:
            shown = {k: ("***" if "key" in k and v else v) for k, v in options.model_dump().items()}
            rows["options"] = ", ".join(f"{k}={v!r}" for k, v in shown.items())
        return rows

    def __call__(self, spec: ModelSpec) -> Backend:
        return self.create(spec)
