"""What `synthloom plugins list` reports: every installed plugin, its state, and what it contributes.

It is the command people run when something is missing, so it must describe a broken installation rather than
fail on it: plugins that fail to import are listed with their error, plugins left out by SYNTHLOOM_PLUGINS are
listed as disabled, and a plugin whose `register_*` hook fails still leaves the rest of the listing readable.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from importlib import metadata
from typing import Any, Literal

from rich.table import Table
from rich.text import Text

from synthloom.errors import PluginError
from synthloom.registry.contributions import Registry, build_registry
from synthloom.registry.loader import ENV_VAR, GROUP, PluginInfo, load_plugins

Status = Literal["ok", "error", "disabled"]
SECTIONS = ("agents", "kinds", "backends", "exporters")


@dataclass
class PluginEntry:
    name: str
    module: str
    distribution: str | None
    version: str | None
    status: Status
    error: str | None = None
    agents: list[dict[str, Any]] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    backends: list[str] = field(default_factory=list)
    exporters: list[str] = field(default_factory=list)


@dataclass
class Listing:
    plugins: list[PluginEntry]
    # Why contributions could not be collected: a register_* hook raised, or two plugins registered one name.
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"plugins": [asdict(p) for p in self.plugins], "error": self.error,
                "env": {ENV_VAR: os.environ.get(ENV_VAR)}}


def _entry(info: PluginInfo, registry: Registry | None) -> PluginEntry:
    agents = [registry.agents[name].describe() for name in info.contributes.get("agents", [])] if registry else []
    return PluginEntry(name=info.name, module=info.module, distribution=info.distribution, version=info.version,
                       status="error" if info.error else "ok", error=info.error, agents=agents,
                       **{section: info.contributes.get(section, []) for section in SECTIONS[1:]})


def _disabled(loaded: set[str]) -> list[PluginEntry]:
    """Installed entry points that SYNTHLOOM_PLUGINS kept from loading, so that their absence is explained."""
    seen = set(loaded)
    entries = []
    for ep in sorted(metadata.entry_points(group=GROUP), key=lambda e: e.name):
        if ep.name in seen:
            continue
        seen.add(ep.name)
        dist = getattr(ep, "dist", None)
        entries.append(PluginEntry(name=ep.name, module=ep.value, distribution=dist.name if dist else None,
                                   version=dist.version if dist else None, status="disabled"))
    return entries


def collect() -> Listing:
    registry: Registry | None
    try:
        registry = build_registry()
        infos, error = registry.plugins, None
    except PluginError as failure:
        registry, error = None, str(failure)
        _, infos = load_plugins()
    entries = [_entry(info, registry) for info in infos]
    return Listing(plugins=entries + _disabled({info.name for info in infos}), error=error)


def _flow(agent: dict[str, Any]) -> str:
    return f"{', '.join(agent['consumes']) or '(source)'} → {', '.join(agent['produces']) or '(nothing)'}"


def tables(listing: Listing) -> list[Table]:
    """Two narrow tables rather than one wide one: a terminal of 80 columns still shows each name on one line."""
    state = Table(title="plugins", title_justify="left")
    contributions = Table(title="contributions", title_justify="left")
    for column in ("plugin", "status", "package", "module"):
        state.add_column(column, overflow="fold")
    for column in ("plugin", "type", "name", "consumes → produces"):
        contributions.add_column(column, overflow="fold")
    style = {"ok": "green", "error": "bold red", "disabled": "dim"}
    for entry in listing.plugins:
        package = " ".join(part for part in (entry.distribution, entry.version) if part) or "-"
        # Text, not markup: names and errors may contain brackets that rich would take for styles.
        state.add_row(Text(entry.name), Text(entry.status, style[entry.status]), Text(package), Text(entry.module))
        for agent in entry.agents:
            contributions.add_row(Text(entry.name), "agent", Text(agent["name"]), Text(_flow(agent)))
        for section in SECTIONS[1:]:
            for name in getattr(entry, section):
                contributions.add_row(Text(entry.name), section[:-1], Text(name), "")
    return [state, contributions]


def problems(listing: Listing) -> list[str]:
    """One message per broken or disabled plugin, naming it and saying what to do."""
    messages = []
    for entry in listing.plugins:
        if entry.status == "error":
            package = f" (package {entry.distribution} {entry.version})" if entry.distribution else ""
            messages.append(f"plugin {entry.name!r}{package} failed to load: {entry.error}\n"
                            f"  hint: fix or uninstall that package, or leave it out with {ENV_VAR}=name,name; "
                            f"campaigns that do not use it still run")
    disabled = [entry.name for entry in listing.plugins if entry.status == "disabled"]
    if disabled:
        messages.append(f"not loaded because of {ENV_VAR}={os.environ.get(ENV_VAR, '')}: {', '.join(disabled)}")
    if listing.error:
        messages.append(f"contributions could not be collected: {listing.error}")
    return messages
