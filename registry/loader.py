"""Discovers and loads plugins from the `synthloom` entry-point group.

A plugin that fails to import is recorded with its error instead of raising, so that one broken third-party
package cannot take `synthloom --help` or other campaigns down; using something it should have contributed then
fails with an error that names it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from importlib import metadata

import pluggy

from synthloom import hookspecs

ENV_VAR = "SYNTHLOOM_PLUGINS"
GROUP = "synthloom"


@dataclass
class PluginInfo:
    name: str
    module: str
    distribution: str | None
    version: str | None
    error: str | None = None
    contributes: dict[str, list[str]] = field(default_factory=dict)


def allowed_plugins() -> set[str] | None:
    """Names from SYNTHLOOM_PLUGINS (comma-separated), or None when every installed plugin may load.

    `builtin` always loads: the failure kind, the replay backend and the exporters are part of the core.
    """
    value = os.environ.get(ENV_VAR)
    if value is None:
        return None
    names = {part.strip() for part in value.split(",") if part.strip()}
    return names | {"builtin"}


def load_plugins(extra: list[tuple[str, object]] | None = None) -> tuple[pluggy.PluginManager, list[PluginInfo]]:
    """A plugin manager with every allowed entry-point plugin registered, and what happened to each."""
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    allowed = allowed_plugins()
    infos: list[PluginInfo] = []
    for ep in sorted(metadata.entry_points(group=GROUP), key=lambda e: (e.name != "builtin", e.name)):
        if allowed is not None and ep.name not in allowed:
            continue
        if any(info.name == ep.name for info in infos):
            continue
        dist = getattr(ep, "dist", None)
        info = PluginInfo(name=ep.name, module=ep.value, distribution=dist.name if dist else None,
                          version=dist.version if dist else None)
        infos.append(info)
        try:
            module = ep.load()
            pm.register(module, name=ep.name)
        except (Exception, SystemExit) as error:  # a broken plugin must not take the host down; reported by name
            info.error = f"{type(error).__name__}: {error}"
    for name, module in extra or []:
        pm.register(module, name=name)
        infos.append(PluginInfo(name=name, module=getattr(module, "__name__", str(module)), distribution=None,
                                version=None))
    return pm, infos
