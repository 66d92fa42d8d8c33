"""`run_campaign`: what `synthloom run` does, as one call: build the registry, load and check, run, export."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Any, Callable, Sequence

from synthloom.summary import RunSummary

PluginArg = ModuleType | object | tuple[str, object]


def _extra_plugins(plugins: Sequence[PluginArg] | None) -> list[tuple[str, object]]:
    """Plugins given in code (a test's module, an object with hook functions), named by their module."""
    named = []
    for plugin in plugins or []:
        if isinstance(plugin, tuple):
            named.append(plugin)
        else:
            name = getattr(plugin, "__name__", None) or type(plugin).__name__
            named.append((name, plugin))
    return named


def run_campaign(path: str | Path, store: str | Path | None = None, plugins: Sequence[PluginArg] | None = None, *,
                 progress: Callable[[Any], Any] | None = None, max_calls: int | None = None,
                 check_only: bool = False, executor: str | None = None,
                 address: str | None = None) -> RunSummary | None:
    """Run (or resume) the campaign file at `path` and write its exports; returns how it ended.

    `store` overrides the campaign's `store:`; `plugins` registers hook modules besides the installed plugins (what
    a plugin's own tests pass); `max_calls` overrides the budget; `executor` (`local` or `ray`) and `address` (a Ray
    cluster) override the campaign's `executor:`. With `check_only`, the campaign is validated (file, agents, data
    files, models, wiring, exports, store path) and nothing runs: the result is None.
    """
    from synthloom.campaign import check_store_path, load_campaign
    from synthloom.executors import plan_for
    from synthloom.registry.contributions import build_registry
    from synthloom.runtime import Runtime
    from synthloom.store.shards import check_for_campaign

    extra = _extra_plugins(plugins)
    registry = build_registry(extra=extra)
    plan = load_campaign(path, registry)
    if max_calls is not None:
        plan.campaign.budget.max_calls = max_calls
    _override_executor(plan.campaign, executor, address)
    store_path = plan.campaign.store_path(str(store) if store is not None else None)
    if plan.campaign.executor.kind == "ray":
        check_for_campaign(store_path, plan.campaign.name)
    else:
        check_store_path(store_path)
    if check_only:
        return None
    return Runtime(plan, registry, store_path=store, progress=progress,
                   executor=plan_for(plan.campaign.executor, extra)).run()


def _override_executor(campaign: Any, executor: str | None, address: str | None) -> None:
    """The command line's `--executor` and `--address` win over the file's `executor:`."""
    from synthloom.errors import ConfigError

    if address is not None and (executor or campaign.executor.kind) != "ray":
        raise ConfigError("--address names a Ray cluster, but this run is local", where="--address",
                          hint="add --executor ray (or `executor: ray` in the campaign file)")
    updates = {key: value for key, value in (("kind", executor), ("address", address)) if value is not None}
    if updates:
        campaign.executor = campaign.executor.model_copy(update=updates)
