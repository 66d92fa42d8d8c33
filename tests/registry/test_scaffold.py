"""`synthloom plugins new`: what it refuses, what it writes, and that the example package is its unchanged output."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from synthloom.cli.main import main
from synthloom.registry.scaffold import PluginNames, render
from tests.registry.helpers import EXAMPLE


def _new(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    """Run `synthloom plugins new ARGS` in-process; returns (exit code, stderr)."""
    try:
        main(["plugins", "new", *args])
    except SystemExit as exit_:
        return int(exit_.code or 0), capsys.readouterr().err
    return 0, capsys.readouterr().err


@pytest.mark.parametrize(("name", "suggestion"), [("My-Plugin", "'my_plugin'"), ("2fast", None),
                                                   ("synthloom-acme", "'acme'"), ("a.b", "'a_b'")])
def test_invalid_names_are_refused_with_a_suggestion(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                     name: str, suggestion: str | None) -> None:
    code, err = _new(capsys, name, "--dir", str(tmp_path))
    assert code == 2
    assert err.startswith(f"error: synthloom plugins new: invalid plugin name {name!r}")
    assert "lowercase letters, digits and underscores" in err
    assert (f"e.g. {suggestion}" in err) if suggestion else ("e.g." not in err)
    assert "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_name_of_an_installed_plugin_is_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, err = _new(capsys, "basic", "--dir", str(tmp_path))
    assert code == 2
    assert "a plugin named 'basic' is already installed by synthloom" in err
    assert list(tmp_path.iterdir()) == []


def test_existing_folder_is_not_overwritten(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / "synthloom-acme"
    target.mkdir()
    (target / "mine.txt").write_text("keep me")
    code, err = _new(capsys, "acme", "--dir", str(tmp_path))
    assert code == 2
    assert "already exists" in err and "nothing was overwritten" in err
    assert [p.name for p in target.iterdir()] == ["mine.txt"]
    assert (target / "mine.txt").read_text() == "keep me"


def test_new_writes_an_installable_package(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _ = _new(capsys, "acme", "--dir", str(tmp_path))
    assert code == 0
    target = tmp_path / "synthloom-acme"
    files = sorted(str(p.relative_to(target)) for p in target.rglob("*") if p.is_file())
    package = ["__init__.py", "agents.py", "cli.py", "kinds.py", "parsing.py", "prompts.py"]
    assert files == sorted([".gitignore", "README.md", "campaign.yaml", "data/prompts.jsonl", "pyproject.toml",
                            *(f"synthloom_acme/{name}" for name in package), "tests/test_synthloom_acme.py"])
    project = tomllib.loads((target / "pyproject.toml").read_text())
    assert project["project"]["name"] == "synthloom-acme"
    assert project["project"]["entry-points"]["synthloom"] == {"acme": "synthloom_acme"}
    assert project["tool"]["setuptools"]["packages"] == ["synthloom_acme"]
    for name in package:
        source = (target / "synthloom_acme" / name).read_text()
        compile(source, name, "exec")
        imports = [line.strip() for line in source.splitlines()
                   if line.strip().startswith(("import synthloom", "from synthloom ", "from synthloom."))]
        assert imports in ([], ["import synthloom"]), f"{name} imports more than the author API: {imports}"
    hooks = (target / "synthloom_acme" / "__init__.py").read_text()
    assert "class " not in hooks, "__init__.py holds only the hooks"
    source = (target / "synthloom_acme" / "agents.py").read_text() + (target / "synthloom_acme" / "kinds.py").read_text()
    assert 'name = "acme.paraphrase"' in source and 'kind: str = "acme.paraphrase"' in source


def test_example_package_is_the_scaffold_output() -> None:
    expected = render(PluginNames.of("example_plugin"))
    ignored = {"runs", "__pycache__", ".pytest_cache"}
    actual = {p.relative_to(EXAMPLE): p.read_text(encoding="utf-8") for p in EXAMPLE.rglob("*")
              if p.is_file() and not ignored & set(p.relative_to(EXAMPLE).parts)
              and not any(part.endswith(".egg-info") for part in p.parts)}
    assert sorted(actual) == sorted(expected)
    readme = Path("README.md")
    assert actual.pop(readme).endswith(expected.pop(readme)), "the example's README is the generated one plus a note"
    assert actual == expected, "examples/synthloom-example-plugin drifted from registry/templates/plugin"
