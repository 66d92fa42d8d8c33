"""The campaign file: parsing, validation, and error messages that point at the file, line and field.

Validation is complete before anything runs (agent names, parameters, models, wiring), so that a typo is found in a
second rather than after an hour of generation.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from synthloom.backends.base import ModelSpec
from synthloom.budget import BudgetSpec
from synthloom.errors import ConfigError, PluginError
from synthloom.messages import stable_hash


class AgentSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    name: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_\-]*$")
    use: str
    model: str | None = None
    inputs: list[str] | None = None
    after: list[str] = Field(default_factory=list)
    batch_size: int | None = Field(default=None, ge=1)
    concurrency: int | None = Field(default=None, ge=1)
    params: dict[str, Any] = Field(default_factory=dict, alias="with")


class ExportSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: str
    format: str
    path: str
    agent: str | None = None


class Campaign(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
    store: str | None = None
    seed: int = 0
    models: dict[str, ModelSpec] = Field(default_factory=dict)
    agents: list[AgentSpec] = Field(min_length=1)
    budget: BudgetSpec = Field(default_factory=BudgetSpec)
    export: list[ExportSpec] = Field(default_factory=list)

    source_path: Path | None = Field(default=None, exclude=True)

    @property
    def base_dir(self) -> Path:
        return self.source_path.parent if self.source_path else Path.cwd()

    def local_model(self, spec: ModelSpec) -> ModelSpec:
        """A model written `./DIR` or `../DIR` is relative to the campaign file, like `store:`; other names (hub ids,
        `embedded`, absolute paths, API model names) are kept as written."""
        if not spec.model.startswith(("./", "../")):
            return spec
        return spec.model_copy(update={"model": os.path.normpath(self.base_dir / spec.model)})

    def store_path(self, override: str | None = None) -> Path:
        """`--store` is relative to the working directory; `store:` in the file is relative to the file."""
        if override:
            return Path(override)
        return self.resolve(self.store or f"runs/{self.name}.duckdb")

    def resolve(self, path: str | Path) -> Path:
        path = Path(path).expanduser()
        return path if path.is_absolute() else Path(os.path.normpath(self.base_dir / path))

    def config_hash(self) -> str:
        return stable_hash(self.model_dump(mode="json", by_alias=True))

    def model_for(self, agent: AgentSpec) -> str | None:
        """The agent's default model: its own `model:`, else `default`, else the only model defined."""
        if agent.model:
            return agent.model
        if "default" in self.models:
            return "default"
        if len(self.models) == 1:
            return next(iter(self.models))
        return None


class _Located:
    """Maps a path of keys and indexes in the YAML document to the line it was written on."""

    def __init__(self, root: Any) -> None:
        self.root = root

    def line(self, loc: tuple[Any, ...]) -> int | None:
        import yaml

        node = self.root
        best = node.start_mark.line + 1 if node is not None else None
        for key in loc:
            if isinstance(node, yaml.MappingNode):
                match = next((v for k, v in node.value if k.value == key), None)
                key_node = next((k for k, v in node.value if k.value == key), None)
                if match is None:
                    return best
                best = key_node.start_mark.line + 1
                node = match
            elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
                node = node.value[key]
                best = node.start_mark.line + 1
            else:
                return best
        return best


def _where(path: Path, located: _Located, loc: tuple[Any, ...]) -> str:
    line = located.line(loc)
    field = ".".join(str(p) for p in loc) or "(top level)"
    return f"{path}:{line}: {field}" if line else f"{path}: {field}"


def _first_error(path: Path, located: _Located, error: ValidationError, prefix: tuple[Any, ...] = ()) -> ConfigError:
    details = error.errors()
    first = details[0]
    loc = prefix + tuple(first["loc"])
    hint = _hint_for(first)
    more = f" (and {len(details) - 1} more problem(s))" if len(details) > 1 else ""
    return ConfigError(first["msg"] + more, where=_where(path, located, loc), hint=hint)


def _hint_for(detail: dict[str, Any]) -> str:
    kind = detail["type"]
    if kind == "missing":
        return f"add `{detail['loc'][-1]}:`"
    if kind == "extra_forbidden":
        return f"remove `{detail['loc'][-1]}` or check its spelling"
    if kind.endswith("_type") or kind.endswith("_parsing"):
        return f"give a value of the expected type (got {detail.get('input')!r})"
    return "see docs/campaigns.md for the campaign file format"


def load_campaign(path: str | Path, registry: Any) -> tuple[Campaign, list[tuple[AgentSpec, Any, Any]]]:
    """Parse and validate a campaign file against the installed plugins.

    Returns the campaign and, per agent, (spec, agent class, validated config).
    """
    import yaml

    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"campaign file {str(path)!r} does not exist", hint="check the path") from None
    except UnicodeDecodeError as error:
        raise ConfigError(f"campaign file {str(path)!r} is not UTF-8 text: {error}") from None
    try:
        root = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        problem = getattr(error, "problem", None) or str(error)
        raise ConfigError(f"malformed YAML: {problem}", where=where,
                          hint="check indentation and quoting near that line") from None
    located = _Located(root)
    if not isinstance(data, dict):
        raise ConfigError("a campaign file must be a mapping with `name:` and `agents:`", where=str(path))
    try:
        campaign = Campaign.model_validate(data)
    except ValidationError as error:
        raise _first_error(path, located, error) from None
    campaign.source_path = path
    return campaign, resolve_agents(campaign, registry, located)


def resolve_agents(campaign: Campaign, registry: Any,
                   located: _Located | None = None) -> list[tuple[AgentSpec, Any, Any]]:
    path = campaign.source_path or Path("<campaign>")
    located = located or _Located(None)
    resolved = []
    names: set[str] = set()
    for i, spec in enumerate(campaign.agents):
        if spec.name in names:
            raise ConfigError(f"two agents are named {spec.name!r}", where=_where(path, located, ("agents", i, "name")),
                              hint="give every agent a unique `name:`")
        names.add(spec.name)
        try:
            cls = registry.agent(spec.use)
        except PluginError as error:
            raise ConfigError(error.message, where=_where(path, located, ("agents", i, "use")),
                              hint=error.hint) from None
        try:
            config = cls.Config.model_validate(spec.params)
        except ValidationError as error:
            raise _first_error(path, located, error, prefix=("agents", i, "with")) from None
        if spec.model and spec.model not in campaign.models:
            raise ConfigError(f"agent {spec.name!r} uses model {spec.model!r}, which is not defined under `models:`",
                              where=_where(path, located, ("agents", i, "model")),
                              hint=f"defined models: {', '.join(campaign.models) or 'none'}")
        resolved.append((spec, cls, config))
    for i, spec in enumerate(campaign.agents):
        for upstream in spec.inputs or []:
            if upstream not in names:
                raise ConfigError(f"agent {spec.name!r} takes inputs from {upstream!r}, which is not an agent here",
                                  where=_where(path, located, ("agents", i, "inputs")),
                                  hint=f"agents: {', '.join(sorted(names))}")
        for before in spec.after:
            if before not in names or before == spec.name:
                raise ConfigError(f"agent {spec.name!r} runs after {before!r}, which is not another agent here",
                                  where=_where(path, located, ("agents", i, "after")),
                                  hint=f"agents: {', '.join(sorted(names - {spec.name}))}")
    for name, model_spec in campaign.models.items():
        if model_spec.backend not in registry.backends:
            raise ConfigError(f"unknown backend {model_spec.backend!r}",
                              where=_where(path, located, ("models", name, "backend")),
                              hint=f"known backends: {', '.join(sorted(registry.backends))}")
    return resolved
