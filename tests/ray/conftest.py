"""One local Ray cluster per test module (starting one costs seconds and about 1.5 GB): the test process is its
first driver, campaigns run in process join it, and `synthloom run` subprocesses join it with `--address`."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import Any, Iterator

import pytest

from tests.core import agents_for_tests
from tests.core.helpers import REPO
from tests.ray import ray_agents

PLUGINS = [("testing", agents_for_tests), ("ray_testing", ray_agents)]


@pytest.fixture(scope="module")
def ray_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The cluster's address, and the files its workers report faults and payments in (workers inherit this
    process's environment when the cluster starts)."""
    if importlib.util.find_spec("ray") is None:  # not imported: Ray reads its loopback setting at import
        pytest.skip("Ray is not installed (the `ray` extra)")
    from synthloom.executors.ray_cluster import start_local

    folder = tmp_path_factory.mktemp("ray")
    (folder / "markers").mkdir()
    env = {"PYTHONPATH": os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH")) if p),
           ray_agents.PAID_LOG: str(folder / "paid.log"), ray_agents.MARKERS: str(folder / "markers")}
    previous = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    try:
        address = start_local(num_cpus=2)
        yield {"address": address, "paid": folder / "paid.log", "markers": folder / "markers"}
    finally:
        import ray

        ray.shutdown()
        for key, value in previous.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def paid(log: Path) -> list[str]:
    return log.read_text(encoding="utf-8").splitlines() if log.exists() else []
