"""Helpers for core tests: run the CLI in a subprocess, write campaigns, read stores."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-m", "synthloom.cli.main"]


def cli_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")])
    env.update(extra)
    return env


def run_cli(*args: str, timeout: float = 120, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=timeout, env=cli_env(**env))


def popen_cli(*args: str, **env: str) -> subprocess.Popen:
    return subprocess.Popen([*CLI, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=cli_env(**env))


def write_campaign(directory: Path, text: str, name: str = "campaign.yaml") -> Path:
    path = directory / name
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def write_prompts(directory: Path, count: int, name: str = "prompts.jsonl") -> Path:
    path = directory / name
    path.write_text("".join(f'{{"instruction": "Write item number {i} about topic {i % 17}."}}\n'
                            for i in range(count)), encoding="utf-8")
    return path


def snapshot(store: Path) -> dict[str, Any]:
    """What must be identical between an interrupted-and-resumed run and an uninterrupted one."""
    from synthloom.store import query

    _, messages = query(store, "SELECT id, kind, agent, parents, payload::VARCHAR FROM messages ORDER BY id")
    _, calls = query(store, "SELECT request_hash, count(*) FROM model_calls WHERE NOT cached "
                            "GROUP BY 1 ORDER BY 1")
    return {"messages": messages, "fresh_calls": calls}
