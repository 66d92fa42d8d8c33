"""`synthloom plugins list` for the first-party plugins, SYNTHLOOM_PLUGINS, and a registration that fails."""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner

from synthloom.errors import PluginError
from synthloom.registry import listing
from synthloom.registry.cli import plugins
from synthloom.registry.loader import ENV_VAR


def _list_json() -> dict[str, Any]:
    result = CliRunner().invoke(plugins, ["list", "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_json_lists_first_party_plugins_with_contributions(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)
    document = _list_json()
    found = {p["name"]: p for p in document["plugins"]}
    builtin, basic = found["builtin"], found["basic"]
    assert (builtin["status"], builtin["distribution"], builtin["module"]) == ("ok", "synthloom", "synthloom.builtins")
    assert {"replay", "litellm"} <= set(builtin["backends"])
    assert {"trl-sft", "trl-dpo", "rows"} <= set(builtin["exporters"])
    assert {"failure", "record"} <= set(builtin["kinds"])
    assert basic["status"] == "ok" and basic["module"] == "synthloom.plugins.basic"
    flows = {a["name"]: (a["consumes"], a["produces"]) for a in basic["agents"]}
    assert flows["basic.load_jsonl"] == ([], ["basic.prompt"])
    assert flows["basic.generate"] == (["basic.prompt"], ["basic.generated"])
    assert "basic.judged" in basic["kinds"]
    assert document["error"] is None


def test_table_shows_agents_with_their_flow(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.setenv("COLUMNS", "200")
    result = CliRunner().invoke(plugins, ["list"])
    assert result.exit_code == 0, result.output
    assert "basic.generate" in result.stdout and "basic.prompt → basic.generated" in result.stdout


def test_plugins_left_out_by_the_env_var_are_listed_as_disabled(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_VAR, "basic")
    result = CliRunner().invoke(plugins, ["list", "--json"])
    statuses = {p["name"]: p["status"] for p in json.loads(result.stdout)["plugins"]}
    assert statuses["builtin"] == statuses["basic"] == "ok"
    assert set(statuses.values()) <= {"ok", "disabled"}
    disabled = sorted(name for name, status in statuses.items() if status == "disabled")
    assert disabled, "the first-party autoif, selection and reflection entry points are installed but not named"
    assert f"not loaded because of {ENV_VAR}=basic: {', '.join(disabled)}" in result.stderr


def test_failing_registration_still_lists_the_plugins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)

    def failing_registry() -> Any:
        raise PluginError("plugin 'acme' failed in register_agents: ValueError: boom")

    monkeypatch.setattr(listing, "build_registry", failing_registry)
    result = CliRunner().invoke(plugins, ["list", "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["error"] == "plugin 'acme' failed in register_agents: ValueError: boom"
    assert {"builtin", "basic"} <= {p["name"] for p in document["plugins"]}
    assert "contributions could not be collected: plugin 'acme' failed in register_agents" in result.stderr
