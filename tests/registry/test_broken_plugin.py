"""A third-party plugin that raises at import must be reported by name and must not take anything else down."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

import pytest

from tests.registry.helpers import REPO, pip_installed, synthloom

NAME = "loomtest_broken"
DIST = "synthloom-loomtest-broken"
PYPROJECT = f"""\
[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "{DIST}"
version = "0.1.0"

[project.entry-points.synthloom]
{NAME} = "{NAME}"

[tool.setuptools]
py-modules = ["{NAME}"]
"""
CAUSE = "loomtest_broken needs the package not_installed_anywhere"
PROMPTS = REPO / "examples" / "data" / "prompts.jsonl"


def _campaign(tmp_path: Path, extra_agent: str = "") -> Path:
    path = tmp_path / "campaign.yaml"
    path.write_text(f"""\
name: broken-test
models:
  default: {{backend: replay, rules: [{{match: "", reply: "ok"}}]}}
agents:
  - {{name: load, use: basic.load_jsonl, with: {{path: "{PROMPTS}", limit: 2}}}}
  - {{name: generate, use: basic.generate}}
{extra_agent}""")
    return path


@pytest.fixture(scope="module", autouse=True)
def broken_plugin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    root = tmp_path_factory.mktemp("broken")
    (root / "pyproject.toml").write_text(PYPROJECT)
    (root / f"{NAME}.py").write_text(f"raise ImportError({CAUSE!r})\n")
    with pip_installed(root, DIST):
        yield


def test_help_still_works() -> None:
    result = synthloom("--help")
    assert result.returncode == 0, result.stderr
    assert "plugins" in result.stdout


def test_list_shows_the_error_naming_the_plugin() -> None:
    result = synthloom("plugins", "list")
    assert result.returncode == 0, result.stderr
    assert f"plugin '{NAME}' (package {DIST} 0.1.0) failed to load: ImportError: {CAUSE}" in result.stderr
    row = next(line for line in result.stdout.splitlines() if NAME in line)
    assert "error" in row
    assert "Traceback" not in result.stderr


def test_list_json_reports_it_and_the_others_still_load() -> None:
    result = synthloom("plugins", "list", "--json")
    assert result.returncode == 0, result.stderr
    plugins = {p["name"]: p for p in json.loads(result.stdout)["plugins"]}
    assert (plugins[NAME]["status"], plugins[NAME]["error"]) == ("error", f"ImportError: {CAUSE}")
    assert plugins["basic"]["status"] == "ok" and plugins["basic"]["agents"]


def test_campaign_using_its_agent_fails_naming_it(tmp_path: Path) -> None:
    campaign = _campaign(tmp_path, f"  - {{name: broken, use: {NAME}.agent}}\n")
    result = synthloom("run", str(campaign), "--quiet", "--store", str(tmp_path / "x.duckdb"))
    assert result.returncode == 2
    assert f"unknown agent '{NAME}.agent'" in result.stderr
    assert f"plugin '{NAME}' failed to load: ImportError: {CAUSE}" in result.stderr
    assert "Traceback" not in result.stderr


def test_campaign_not_using_it_runs(tmp_path: Path) -> None:
    result = synthloom("run", str(_campaign(tmp_path)), "--quiet", "--store", str(tmp_path / "x.duckdb"))
    assert result.returncode == 0, result.stderr


def test_synthloom_plugins_env_var_keeps_it_from_loading() -> None:
    result = synthloom("plugins", "list", "--json", plugins="builtin,basic")
    assert result.returncode == 0, result.stderr
    plugins = {p["name"]: p for p in json.loads(result.stdout)["plugins"]}
    assert (plugins[NAME]["status"], plugins[NAME]["error"]) == ("disabled", None)
    assert {name for name, p in plugins.items() if p["status"] == "ok"} == {"builtin", "basic"}
    assert "failed to load" not in result.stderr
