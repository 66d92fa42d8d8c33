"""The whole third-party path, for a freshly scaffolded plugin and for examples/synthloom-example-plugin alike:
pip install, `synthloom plugins list`, a campaign that uses the plugin's agent, SQL over its store, the package's
own tests, and uninstall.
"""

from __future__ import annotations

import json
import shutil
import sys
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest

from synthloom.registry.scaffold import PluginNames
from tests.registry.helpers import EXAMPLE, pip_installed, synthloom

SCAFFOLDED = "loomtest_scaffold"


@dataclass(frozen=True)
class Package:
    names: PluginNames
    path: Path


def _scaffolded(root: Path) -> Path:
    result = synthloom("plugins", "new", SCAFFOLDED, "--dir", str(root))
    assert result.returncode == 0, result.stderr
    return root / PluginNames.of(SCAFFOLDED).dist


def _example_copy(root: Path) -> Path:
    """A copy, so that the campaign's runs/ and the tests' caches are written under tmp, not into the repository."""
    ignore = shutil.ignore_patterns("runs", "__pycache__", "*.egg-info", ".pytest_cache")
    return Path(shutil.copytree(EXAMPLE, root / EXAMPLE.name, ignore=ignore))


@pytest.fixture(scope="module", params=["scaffolded", "example"])
def package(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Package]:
    root = tmp_path_factory.mktemp(request.param)
    if request.param == "scaffolded":
        path, names = _scaffolded(root), PluginNames.of(SCAFFOLDED)
    else:
        path, names = _example_copy(root), PluginNames.of("example_plugin")
    with pip_installed(path, names.dist):
        yield Package(names=names, path=path)


def test_listed_with_what_it_contributes(package: Package) -> None:
    result = synthloom("plugins", "list", "--json")
    assert result.returncode == 0, result.stderr
    entry = next(p for p in json.loads(result.stdout)["plugins"] if p["name"] == package.names.name)
    kind = f"{package.names.name}.paraphrase"
    assert (entry["status"], entry["error"]) == ("ok", None)
    assert (entry["distribution"], entry["version"], entry["module"]) == (package.names.dist, "0.1.0",
                                                                          package.names.module)
    assert [(a["name"], a["consumes"], a["produces"]) for a in entry["agents"]] == [(kind, ["basic.prompt"], [kind])]
    assert entry["kinds"] == [kind]

    table = synthloom("plugins", "list")
    assert table.returncode == 0, table.stderr
    assert f"basic.prompt → {kind}" in table.stdout


def test_campaign_with_its_agent_runs_and_is_queryable(package: Package, tmp_path: Path) -> None:
    store = tmp_path / "x.duckdb"
    run = synthloom("run", "campaign.yaml", "--quiet", "--store", str(store), cwd=package.path)
    assert run.returncode == 0, run.stderr
    view = f"{package.names.name}_paraphrase"
    query = synthloom("sql", f"SELECT instruction, paraphrase, agent, parents FROM {view} ORDER BY instruction",
                      "--store", str(store), "--format", "json")
    assert query.returncode == 0, query.stderr
    rows = [json.loads(line) for line in query.stdout.splitlines()]
    prompts = [json.loads(line)["instruction"] for line in (package.path / "data" / "prompts.jsonl").open()]
    assert [row["instruction"] for row in rows] == sorted(prompts)
    assert all(row["paraphrase"] == f"In other words: {row['instruction']}" for row in rows)
    assert all(row["agent"] == "paraphrase" and len(row["parents"]) == 1 for row in rows)
    exported = package.path / "runs" / f"{package.names.name}-demo" / "paraphrases.jsonl"
    assert len(exported.read_text().splitlines()) == len(prompts)


def test_its_own_tests_pass(package: Package) -> None:
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=package.path,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 passed" in result.stdout
