"""`synthloom plugins new`: writes a pip-installable plugin package from the templates in `templates/plugin/`.

The templates are the single source of truth for what a plugin looks like: `examples/synthloom-example-plugin` is
generated from them too. Template files end in `.tmpl` so that no tool mistakes them for the repository's own
Python, TOML or tests; a path part `__module__` becomes the module name and a leading `dot_` becomes a dot.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import metadata, resources
from importlib.resources.abc import Traversable
from pathlib import Path
from string import Template

from synthloom import __version__
from synthloom.errors import ConfigError
from synthloom.registry.loader import GROUP

TEMPLATE = "plugin"
SUFFIX = ".tmpl"
# The plugin name prefixes its agents and kinds, which the registry requires to be lowercase dotted identifiers.
PLUGIN_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class PluginNames:
    """The names one plugin goes by, derived from the one the user chose."""

    name: str  # entry-point name and namespace of its agents and kinds: `acme`
    dist: str  # distribution name on PyPI, by the `llm-*` / `datasette-*` convention: `synthloom-acme`
    module: str  # importable module: `synthloom_acme`

    @classmethod
    def of(cls, name: str) -> "PluginNames":
        return cls(name=name, dist="synthloom-" + name.replace("_", "-"), module="synthloom_" + name)


def validate_name(name: str) -> PluginNames:
    """Refuse names that the registry or the installed plugins would reject later, with a fix to try."""
    suggestion = re.sub(r"[^a-z0-9_]+", "_", name.strip().lower()).strip("_")
    if suggestion.startswith("synthloom_"):
        suggestion = suggestion[len("synthloom_"):]
    if not PLUGIN_NAME_RE.match(name):
        hint = "use lowercase letters, digits and underscores, starting with a letter"
        if suggestion and PLUGIN_NAME_RE.match(suggestion):
            hint += f", e.g. {suggestion!r}"
        raise ConfigError(f"invalid plugin name {name!r}", where="synthloom plugins new", hint=hint)
    installed = {ep.name: ep for ep in metadata.entry_points(group=GROUP)}
    if name in installed:
        dist = getattr(installed[name], "dist", None)
        owner = f" by {dist.name}" if dist else ""
        raise ConfigError(f"a plugin named {name!r} is already installed{owner}", where="synthloom plugins new",
                          hint="choose another name: agents and message kinds are namespaced by it")
    return PluginNames.of(name)


def _template_files(root: Traversable, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Traversable]]:
    found = []
    for entry in sorted(root.iterdir(), key=lambda e: e.name):
        if entry.is_dir():
            found += _template_files(entry, (*prefix, entry.name))
        elif entry.name.endswith(SUFFIX):
            found.append(((*prefix, entry.name[: -len(SUFFIX)]), entry))
    return found


def _target_part(part: str, names: PluginNames) -> str:
    part = part.replace("__module__", names.module)
    return "." + part[len("dot_"):] if part.startswith("dot_") else part


def render(names: PluginNames) -> dict[Path, str]:
    """Every file of the package, by its path relative to the package folder."""
    values = {"name": names.name, "dist": names.dist, "module": names.module, "synthloom_version": __version__}
    templates = _template_files(resources.files("synthloom.registry") / "templates" / TEMPLATE)
    return {Path(*(_target_part(part, names) for part in parts)): Template(source.read_text("utf-8")).substitute(values)
            for parts, source in templates}


def scaffold(name: str, parent: Path) -> Path:
    """Create `parent/synthloom-NAME/` and return it; nothing is written if the name or the folder is refused."""
    names = validate_name(name)
    target = parent / names.dist
    if target.exists():
        raise ConfigError(f"{str(target)!r} already exists", where="synthloom plugins new",
                          hint="remove it, or choose another --dir or name; nothing was overwritten")
    for path, text in render(names).items():
        (target / path).parent.mkdir(parents=True, exist_ok=True)
        (target / path).write_text(text, encoding="utf-8")
    return target
