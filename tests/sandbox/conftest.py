"""Shared sandboxes for the Docker tests, and the end-of-session check that nothing leaked."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import pytest

from synthloom.errors import SandboxError
from synthloom.sandbox import DockerSandbox
from synthloom.sandbox.limits import SANDBOX_UID
from tests.sandbox.helpers import HOST_SECRET, containers_owned_by

# Set before any sandbox starts: tests assert that no container can see it.
os.environ["SYNTHLOOM_SANDBOX_TEST_SECRET"] = HOST_SECRET


@pytest.fixture(scope="session")
def docker_api():
    from synthloom.sandbox.daemon import connect

    try:
        return connect(timeout_s=10)
    except SandboxError as exc:
        pytest.skip(f"no Docker daemon: {exc.message}")


def _our_containers(api) -> list[str]:
    """This test process's containers and leaked ones; containers of other live processes are not ours."""
    return containers_owned_by(api, os.getpid()) + containers_owned_by(api, None)


def _read(path: str) -> str:
    try:
        with open(path) as handle:
            return handle.read()
    except OSError:
        return ""


def _stray_processes(api) -> list[int]:
    """Sandbox-user processes whose container is gone, and children of this process: what a leak looks like."""
    live = {c["Id"] for c in api.containers(all=True)}
    stray = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        status, cgroup = _read(f"/proc/{pid}/status"), _read(f"/proc/{pid}/cgroup")
        uid = next((line.split()[1] for line in status.splitlines() if line.startswith("Uid:")), "")
        ppid = next((line.split()[1] for line in status.splitlines() if line.startswith("PPid:")), "")
        in_dead_container = uid == str(SANDBOX_UID) and "docker" in cgroup and not any(cid in cgroup for cid in live)
        # Python's own multiprocessing resource tracker (started by `spawn` pools, e.g. selection compare's
        # workers) lives until the interpreter exits: it is not a leak
        helper = "multiprocessing.resource_tracker" in _read(f"/proc/{pid}/cmdline")
        if in_dead_container or (ppid == str(os.getpid()) and not helper):
            stray.append(int(pid))
    return stray


@pytest.fixture(scope="session", autouse=True)
def no_leaks_after_session(request) -> Iterator[None]:
    """Runs last among session fixtures: after every sandbox closed, no container and no process may remain."""
    yield
    if not any(item.get_closest_marker("docker") for item in request.session.items):
        return
    try:
        from synthloom.sandbox.daemon import connect

        api = connect(timeout_s=10)
    except SandboxError:
        return
    deadline = time.monotonic() + 10
    while (_our_containers(api) or _stray_processes(api)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _our_containers(api) == [], "sandbox containers left behind"
    assert _stray_processes(api) == [], "sandbox processes left behind"


@pytest.fixture(scope="session")
def sandbox(docker_api) -> Iterator[DockerSandbox]:
    """Two warm containers shared by most tests; jobs in one evaluate_many call run side by side."""
    with DockerSandbox(pool_size=2) as shared:
        yield shared


@pytest.fixture(scope="module")
def single(docker_api) -> Iterator[DockerSandbox]:
    """One container, so consecutive jobs are guaranteed to share it (persistence and reaping tests)."""
    with DockerSandbox(pool_size=1) as only:
        yield only
