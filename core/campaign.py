"""The campaign file: parsing, validation, and error messages that point at the file, line and field.

Validation is complete before anything runs: agent names and parameters, data files, models and their backend
options, wiring, exports and the store path, so that a typo is found in a second rather than after an hour of
generation (`synthloom run --check` does only this).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from synthloom.backends.base import ModelSpec
from synthloom.budget import BudgetSpec
from synthloom.errors import ConfigError, PluginError
from synthloom.executors.spec import ExecutorSpec, check_executor
from synthloom.graph import Graph
from synthloom.messages import stable_hash

if TYPE_CHECKING:
    from synthloom.agents import Agent, AgentConfig
    from synthloom.registry.contributions import Registry


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
    executor: ExecutorSpec = Field(default_factory=ExecutorSpec)

    source_path: Path | None = Field(default=None, exclude=True)

    @property
    def base_dir(self) -> Path:
        return (self.source_path.parent if self.source_path else Path.cwd()).resolve()

    def local_model(self, spec: ModelSpec) -> ModelSpec:
        """A model written `./DIR` or `../DIR` is relative to the campaign file, like `store:`; other names (hub ids,
        `embedded`, absolute paths, API model names) are kept as written."""
        if not spec.model.startswith(("./", "../")):
            return spec
        return spec.model_copy(update={"model": os.path.normpath(self.base_dir / spec.model)})

    def store_path(self, override: str | None = None) -> Path:
        """`--store` is relative to the working directory; `store:` in the file is relative to the file. On Ray the
        store is a shard directory (docs/scale.md)."""
        if override:
            return Path(override)
        default = f"runs/{self.name}.shards" if self.executor.kind == "ray" else f"runs/{self.name}.duckdb"
        return self.resolve(self.store or default)

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


@dataclass(frozen=True)
class ResolvedAgent:
    """An agent of the campaign with its class and validated parameters."""

    spec: AgentSpec
    cls: type["Agent"]
    config: "AgentConfig"


@dataclass(frozen=True)
class CampaignPlan:
    """A validated campaign: the file's contents, its agents resolved against the plugins, and their wiring."""

    campaign: Campaign
    agents: list[ResolvedAgent]
    graph: Graph


class _Located:
    """Maps a path of keys and indexes in the YAML document to the line it was written on."""

    def __init__(self, root: Any, path: Path) -> None:
        self.root = root
        self.path = path

    def line(self, loc: tuple[Any, ...]) -> int | None:
        import yaml

        node = self.root
        best = node.start_mark.line + 1 if node is not None else None
        for key in loc:
            if isinstance(node, yaml.MappingNode):
                pair = next(((k, v) for k, v in node.value if k.value == key), None)
                if pair is None:
                    return best
                best = pair[0].start_mark.line + 1
                node = pair[1]
            elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
                node = node.value[key]
                best = node.start_mark.line + 1
            else:
                return best
        return best

    def where(self, loc: tuple[Any, ...]) -> str:
        line = self.line(loc)
        field = ".".join(str(p) for p in loc) or "(top level)"
        return f"{self.path}:{line}: {field}" if line else f"{self.path}: {field}"


def _first_error(located: _Located, error: ValidationError, prefix: tuple[Any, ...] = ()) -> ConfigError:
    details = error.errors()
    first = details[0]
    more = f" (and {len(details) - 1} more problem(s))" if len(details) > 1 else ""
    return ConfigError(first["msg"] + more, where=located.where(prefix + tuple(first["loc"])), hint=_hint_for(first))


def _hint_for(detail: dict[str, Any]) -> str:
    kind = detail["type"]
    if kind == "missing":
        return f"add `{detail['loc'][-1]}:`"
    if kind == "extra_forbidden":
        return f"remove `{detail['loc'][-1]}` or check its spelling"
    if kind.endswith("_type") or kind.endswith("_parsing"):
        return f"give a value of the expected type (got {detail.get('input')!r})"
    return "see docs/campaigns.md for the campaign file format"


def _refuse_duplicate_keys(node: Any, path: Path) -> None:
    """YAML lets a second `agents:` silently replace the first; a campaign file may not."""
    import yaml

    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                if key.value in seen:
                    raise ConfigError(f"key {key.value!r} appears twice in one mapping (first on line "
                                      f"{seen[key.value]})", where=f"{path}:{key.start_mark.line + 1}",
                                      hint="YAML would keep only the last one; merge the two or rename one")
                seen[key.value] = key.start_mark.line + 1
            _refuse_duplicate_keys(value, path)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _refuse_duplicate_keys(item, path)


def _parse(path: Path) -> tuple[dict[str, Any], _Located]:
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"campaign file {str(path)!r} does not exist", hint="check the path") from None
    except IsADirectoryError:
        raise ConfigError(f"campaign file {str(path)!r} is a directory", hint="name the .yaml file") from None
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
    _refuse_duplicate_keys(root, path)
    if not isinstance(data, dict):
        raise ConfigError("a campaign file must be a mapping with `name:` and `agents:`", where=str(path))
    return data, _Located(root, path)


def load_campaign(path: str | Path, registry: "Registry") -> CampaignPlan:
    """Parse and validate a campaign file against the installed plugins; nothing runs and nothing is written."""
    path = Path(path)
    data, located = _parse(path)
    try:
        campaign = Campaign.model_validate(data)
    except ValidationError as error:
        raise _first_error(located, error) from None
    campaign.source_path = path
    return plan_campaign(campaign, registry, located)


def plan_campaign(campaign: Campaign, registry: "Registry", located: _Located | None = None) -> CampaignPlan:
    """Validate a campaign built in code (or parsed from a file) and wire its agents."""
    located = located or _Located(None, campaign.source_path or Path("<campaign>"))
    agents = _resolve_agents(campaign, registry, located)
    check_executor(campaign.executor, agents, located.where)
    _check_models(campaign, registry, agents, located)
    _check_references(campaign, located)
    graph = Graph([(a.spec, a.cls) for a in agents], located.where)
    _check_exports(campaign, registry, agents, located)
    return CampaignPlan(campaign, agents, graph)


def _check_models(campaign: Campaign, registry: "Registry", agents: list[ResolvedAgent], located: _Located) -> None:
    from synthloom.agents import output_paths

    written = {path for agent in agents for path in output_paths(agent.config, campaign.base_dir)}
    for name, spec in campaign.models.items():
        local = campaign.local_model(spec)
        if Path(local.model) in written:
            continue  # an agent of this campaign writes it (a model it trains) before the agents that use it run
        try:
            registry.backend(spec.backend).validate(local)
        except PluginError as error:
            raise ConfigError(error.message, where=located.where(("models", name, "backend")),
                              hint=error.hint) from None
        except ConfigError as error:
            raise ConfigError(error.message, where=located.where(("models", name)), hint=error.hint) from None


def _resolve_agents(campaign: Campaign, registry: "Registry", located: _Located) -> list[ResolvedAgent]:
    from synthloom.agents import check_data_files

    resolved = []
    names: set[str] = set()
    for i, spec in enumerate(campaign.agents):
        if spec.name in names:
            raise ConfigError(f"two agents are named {spec.name!r}", where=located.where(("agents", i, "name")),
                              hint="give every agent a unique `name:`")
        names.add(spec.name)
        try:
            cls = registry.agent(spec.use)
        except PluginError as error:
            raise ConfigError(error.message, where=located.where(("agents", i, "use")), hint=error.hint) from None
        try:
            config = cls.Config.model_validate(spec.params)
        except ValidationError as error:
            raise _first_error(located, error, prefix=("agents", i, "with")) from None
        for field, problem in check_data_files(config, campaign.base_dir):
            raise ConfigError(problem.message, where=located.where(("agents", i, "with", field)),
                              hint=problem.hint)
        if spec.model and spec.model not in campaign.models:
            raise ConfigError(f"agent {spec.name!r} uses model {spec.model!r}, which is not defined under `models:`",
                              where=located.where(("agents", i, "model")),
                              hint=f"defined models: {', '.join(campaign.models) or 'none'}")
        resolved.append(ResolvedAgent(spec, cls, config))
    return resolved


def _check_references(campaign: Campaign, located: _Located) -> None:
    names = {spec.name for spec in campaign.agents}
    for i, spec in enumerate(campaign.agents):
        for upstream in spec.inputs or []:
            if upstream not in names:
                raise ConfigError(f"agent {spec.name!r} takes inputs from {upstream!r}, which is not an agent here",
                                  where=located.where(("agents", i, "inputs")),
                                  hint=f"agents: {', '.join(sorted(names))}")
        for before in spec.after:
            if before not in names or before == spec.name:
                raise ConfigError(f"agent {spec.name!r} runs after {before!r}, which is not another agent here",
                                  where=located.where(("agents", i, "after")),
                                  hint=f"agents: {', '.join(sorted(names - {spec.name}))}")


def _check_exports(campaign: Campaign, registry: "Registry", agents: list[ResolvedAgent],
                   located: _Located) -> None:
    """Exports are written after the campaign ran and paid for its calls: a typo must fail now, not then."""
    producers: dict[str, list[str]] = {}
    for agent in agents:
        for kind in agent.cls.produces:
            producers.setdefault(kind.kind_name(), []).append(agent.spec.name)
    for i, spec in enumerate(campaign.export):
        try:
            registry.exporter(spec.format)
        except PluginError as error:
            raise ConfigError(error.message, where=located.where(("export", i, "format")), hint=error.hint) from None
        if spec.kind not in registry.kinds:
            raise ConfigError(f"unknown message kind {spec.kind!r}", where=located.where(("export", i, "kind")),
                              hint=f"kinds the agents of this campaign produce: {', '.join(sorted(producers))}")
        if spec.agent is not None and spec.agent not in {a.spec.name for a in agents}:
            raise ConfigError(f"export names agent {spec.agent!r}, which is not an agent here",
                              where=located.where(("export", i, "agent")),
                              hint=f"agents producing {spec.kind}: {', '.join(producers.get(spec.kind, [])) or 'none'}")
        if spec.agent is not None and spec.agent not in producers.get(spec.kind, []):
            raise ConfigError(f"agent {spec.agent!r} does not produce {spec.kind!r}, so this export would be empty",
                              where=located.where(("export", i, "agent")),
                              hint=f"agents producing {spec.kind}: {', '.join(producers.get(spec.kind, [])) or 'none'}")
        if spec.kind not in producers:
            raise ConfigError(f"no agent of this campaign produces {spec.kind!r}, so this export would be empty",
                              where=located.where(("export", i, "kind")),
                              hint=f"kinds produced here: {', '.join(sorted(producers))}")
        path = campaign.resolve(spec.path)
        problem = _unwritable(path)
        if problem:
            raise ConfigError(f"cannot write export {str(path)!r}: {problem}",
                              where=located.where(("export", i, "path")), hint="choose a path you can write to")


def _unwritable(path: Path) -> str | None:
    """Why a file could not be created at `path` (None if it could): a parent that is a file, no write access."""
    if path.is_dir() and path.suffix:
        return "it is a directory"
    parent = path.parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        return f"{str(parent)!r} is a file, not a folder"
    if not os.access(parent, os.W_OK | os.X_OK):
        return f"folder {str(parent)!r} is not writable"
    return None


def check_store_path(path: Path) -> None:
    """Refuse a store path that cannot be created or written, before anything runs."""
    problem = "it is a directory" if path.is_dir() else _unwritable(path)
    if path.exists() and not path.is_dir() and not os.access(path, os.R_OK | os.W_OK):
        problem = "the file is not readable and writable"
    if problem:
        raise ConfigError(f"cannot use store {str(path)!r}: {problem}",
                          hint="choose a store path in a folder you can write to (`store:` in the campaign file, "
                               "or --store)")
