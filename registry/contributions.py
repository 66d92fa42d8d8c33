"""What plugins contribute (agents, message kinds, backends, exporters), collected and validated once.

Validation happens at registration so that a plugin author sees the mistake, with the plugin's name, the first
time anything loads, rather than in the middle of a campaign.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable

from synthloom.agents import Agent
from synthloom.backends.registration import BackendType
from synthloom.errors import PluginError
from synthloom.messages import Message
from synthloom.registry.loader import PluginInfo, load_plugins

NAME_RE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")


@dataclass
class Registry:
    agents: dict[str, type[Agent]] = field(default_factory=dict)
    kinds: dict[str, type[Message]] = field(default_factory=dict)
    backends: dict[str, BackendType] = field(default_factory=dict)
    exporters: dict[str, Callable[..., Any]] = field(default_factory=dict)
    plugins: list[PluginInfo] = field(default_factory=list)
    owner: dict[tuple[str, str], str] = field(default_factory=dict)
    pm: Any = None

    def agent(self, name: str) -> type[Agent]:
        if name in self.agents:
            return self.agents[name]
        raise PluginError(f"unknown agent {name!r}", hint=self._hint(name, self.agents, "agents"))

    def backend(self, name: str) -> BackendType:
        if name in self.backends:
            return self.backends[name]
        raise PluginError(f"unknown backend {name!r}", hint=self._hint(name, self.backends, "backends"))

    def exporter(self, name: str) -> Callable[..., Any]:
        if name in self.exporters:
            return self.exporters[name]
        raise PluginError(f"unknown exporter {name!r}", hint=self._hint(name, self.exporters, "exporters"))

    def _hint(self, name: str, table: dict[str, Any], what: str) -> str:
        plugin = name.split(".")[0]
        broken = [p for p in self.plugins if p.error and p.name == plugin]
        if broken:
            return f"plugin {plugin!r} failed to load: {broken[0].error}"
        known = ", ".join(sorted(table)) or "none"
        return f"known {what}: {known}; `synthloom plugins list` shows what each installed plugin contributes"


def _validate_agent(plugin: str, cls: Any) -> str:
    if not (isinstance(cls, type) and issubclass(cls, Agent)):
        raise PluginError(f"plugin {plugin!r} registered {cls!r} as an agent, but it is not an Agent subclass")
    if not NAME_RE.match(cls.name or ""):
        raise PluginError(f"plugin {plugin!r}: agent {cls.__qualname__} has an invalid name {cls.name!r}",
                          hint="set `name = 'myplugin.my_agent'` (lowercase, dotted)")
    for kind in (*cls.consumes, *cls.produces):
        if not (isinstance(kind, type) and issubclass(kind, Message)):
            raise PluginError(f"plugin {plugin!r}: agent {cls.name!r} consumes/produces {kind!r}, not a Message")
    return cls.name


def _validate_kind(plugin: str, cls: Any) -> str:
    if not (isinstance(cls, type) and issubclass(cls, Message)):
        raise PluginError(f"plugin {plugin!r} registered {cls!r} as a message kind, but it is not a Message")
    kind = cls.kind_name()
    if not NAME_RE.match(kind or "") or (cls is not Message and kind == "message"):
        raise PluginError(f"plugin {plugin!r}: message class {cls.__qualname__} has an invalid kind {kind!r}",
                          hint="give it a field default: `kind: str = 'myplugin.thing'`")
    return kind


def build_registry(extra: list[tuple[str, object]] | None = None) -> Registry:
    pm, infos = load_plugins(extra)
    registry = Registry(plugins=infos, pm=pm)
    by_name = {info.name: info for info in infos}

    def collect(hook: str, table: dict[str, Any], section: str, named: bool) -> None:
        for impl in getattr(pm.hook, hook).get_hookimpls():
            plugin = pm.get_name(impl.plugin) or "?"
            if plugin in by_name and by_name[plugin].error:
                continue
            staged: list[tuple[str, Any]] = []

            def register(*args: Any) -> None:
                if named:
                    name, obj = args
                    if not isinstance(name, str) or not name:
                        raise PluginError(f"plugin {plugin!r}: {hook} needs register(name, object)")
                    if section == "backends":
                        obj = BackendType.of(name, obj)
                else:
                    (obj,) = args
                    name = _validate_agent(plugin, obj) if section == "agents" else _validate_kind(plugin, obj)
                staged.append((name, obj))

            try:
                impl.function(register=register)
            except Exception as error:  # recorded against the plugin: the others stay usable
                text = str(error) if isinstance(error, PluginError) else f"{type(error).__name__}: {error}"
                if plugin in by_name:
                    by_name[plugin].error = f"{hook} failed: {text}"
                    continue
                raise PluginError(f"plugin {plugin!r} failed in {hook}: {text}") from error
            for name, obj in staged:
                previous = registry.owner.get((section, name))
                if previous is not None and previous != plugin and table.get(name) is not obj:
                    raise PluginError(f"{section[:-1]} {name!r} is registered by both {previous!r} and {plugin!r}",
                                      hint="limit which plugins load with SYNTHLOOM_PLUGINS=name,name")
                table[name] = obj
                registry.owner[(section, name)] = plugin
                if plugin in by_name:
                    by_name[plugin].contributes.setdefault(section, []).append(name)

    collect("register_message_kinds", registry.kinds, "kinds", named=False)
    collect("register_agents", registry.agents, "agents", named=False)
    collect("register_backends", registry.backends, "backends", named=True)
    collect("register_exporters", registry.exporters, "exporters", named=True)
    for agent in registry.agents.values():
        for kind in (*agent.consumes, *agent.produces):
            registry.kinds.setdefault(kind.kind_name(), kind)
    return registry
