"""Which sections a report has, in which order, and running one against a store.

Order: overview and funnel first, then the sections plugins add through `register_report_sections` (a plugin puts
the fields that matter for its method there, where a reader looks first), then the built-in distributions, model
calls, sandbox and samples. A plugin's section that raises is shown as an error in its place; the rest of the report
is unaffected, as with a plugin that fails to load.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from synthloom.errors import PluginError
from synthloom.report.blocks import Note
from synthloom.report.builtin_sections import BUILTIN
from synthloom.report.data import ReportData
from synthloom.report.reader import CampaignInfo, StoreReader

Render = Callable[[ReportData], "Iterable[Any] | None"]
CORE = "synthloom"


@dataclass(frozen=True)
class Section:
    title: str
    render: Render
    plugin: str
    anchor: str


def _anchor(plugin: str, title: str) -> str:
    return "s-" + re.sub(r"[^a-z0-9]+", "-", f"{plugin}-{title}".lower()).strip("-")


def plugin_sections(extra: list[tuple[str, object]] | None = None) -> list[Section]:
    """Sections contributed by installed plugins (and `extra` plugin modules), in plugin load order."""
    from synthloom.registry.loader import load_plugins

    pm, infos = load_plugins(extra)
    broken = {info.name for info in infos if info.error}
    found: list[Section] = []
    for impl in reversed(pm.hook.register_report_sections.get_hookimpls()):
        plugin = pm.get_name(impl.plugin) or "?"
        if plugin in broken:
            continue

        def register(title: str, render: Render, plugin: str = plugin) -> None:
            if not isinstance(title, str) or not title.strip() or not callable(render):
                raise PluginError(f"plugin {plugin!r}: register_report_sections needs register(title, render) with "
                                  f"a title and a function, got ({title!r}, {render!r})")
            found.append(Section(title, render, plugin, _anchor(plugin, title)))

        try:
            impl.function(register=register)
        except Exception as error:  # like a plugin that fails to load: named, and the others still report
            message = f"plugin {plugin!r} failed in register_report_sections: {type(error).__name__}: {error}"
            found.append(Section(f"{plugin} (failed)", lambda data, message=message: [Note(message, error=True)],
                                 plugin, _anchor(plugin, "failed")))
    return found


def report_sections(extra: list[tuple[str, object]] | None = None) -> list[Section]:
    core = {key: Section(title, render, CORE, f"s-{key}") for key, (title, render) in BUILTIN.items()}
    return [core["overview"], core["funnel"], *plugin_sections(extra), core["distributions"], core["calls"],
            core["sandbox"], core["samples"]]


def render_section(section: Section, reader: StoreReader, info: CampaignInfo) -> list[Any]:
    """The section's blocks for one store, read through a connection of its own."""
    with reader.connection() as con:
        data = ReportData(con, info, reader.path)
        try:
            return list(section.render(data) or [])
        except Exception as error:  # a plugin's bug is shown in its place and the report goes on; ours are raised
            if section.plugin == CORE:
                raise
            return [Note(f"section {section.title!r} of plugin {section.plugin!r} failed: "
                         f"{type(error).__name__}: {error}", error=True)]
