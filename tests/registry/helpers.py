"""Helpers for the plugin-tooling tests: run the real CLI in a subprocess, pip-install a package for a while.

Installed plugins are found through entry points, which a Python process reads from the environment's metadata, and
an editable install only becomes importable in processes started after it; hence subprocesses, not CliRunner, for
everything that involves an installed package.
"""

from __future__ import annotations

import os
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from synthloom.registry.loader import ENV_VAR

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "synthloom-example-plugin"


def synthloom(*args: str, cwd: Path | None = None, plugins: str | None = None) -> subprocess.CompletedProcess[str]:
    """`synthloom ARGS` in a fresh process; `plugins` sets SYNTHLOOM_PLUGINS (unset otherwise)."""
    env = {key: value for key, value in os.environ.items() if key != ENV_VAR}
    env["COLUMNS"] = "200"  # rich wraps tables at 80 columns when stdout is not a terminal
    if plugins is not None:
        env[ENV_VAR] = plugins
    return subprocess.run([sys.executable, "-m", "synthloom.cli.main", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def _pip(*args: str) -> None:
    result = subprocess.run([sys.executable, "-m", "pip", *args, "--disable-pip-version-check", "-q"],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"pip {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"


@contextmanager
def pip_installed(path: Path, dist: str) -> Iterator[None]:
    """Editable-install the package at `path` into this environment, and uninstall it whatever happens."""
    try:
        _pip("install", "--no-deps", "--no-build-isolation", "-e", str(path))
        yield
    finally:
        _pip("uninstall", "-y", dist)
