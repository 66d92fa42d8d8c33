"""Many hostile jobs at once, crashed clients, leaked containers, and the image build."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import tarfile
import threading
import time

import pytest

from synthloom.errors import SandboxError
from synthloom.sandbox import DEFAULT_IMAGE, DockerSandbox, SandboxLimits
from synthloom.sandbox.container import SandboxContainer
from synthloom.sandbox.image import build_from_base, ensure_image, image_exists
from synthloom.sandbox.limits import DEFAULT_PRELOAD, POOL_LABEL
from synthloom.sandbox.pool import reap_orphans
from tests.sandbox.helpers import BENIGN, HANGS, body, containers_owned_by

pytestmark = pytest.mark.docker

BOMBS = [
    (HANGS["busy loop"], {"timeout"}),
    (HANGS["fork bomb"], {"timeout"}),
    (body("return bytearray(4 * 1024**3)"), {"error"}),
    (body("while True:", "    print('x' * 65536)"), {"output_limit"}),
    (body("os._exit(1)"), {"error"}),
    (body("os.kill(-1, 9)"), {"error"}),  # kills nothing but itself's siblings: there are none
    (body("import ctypes", "ctypes.string_at(0)"), {"killed"}),
    (body("return 'x' * 10**6"), {"output_limit"}),
]


def test_a_hundred_concurrent_mixed_bombs(sandbox):
    jobs, expected = [], []
    for n in range(100):
        if n % 2:
            jobs.append((BENIGN, [f"job{n}"]))
            expected.append(({"ok"}, f"JOB{n}"))
        else:
            code, statuses = BOMBS[(n // 2) % len(BOMBS)]
            jobs.append((code, ["a"]))
            expected.append((statuses, None))
    results = sandbox.evaluate_many(jobs, timeout_s=0.3)
    assert [(job[0].status in statuses, job[0].value) for job, (statuses, _) in zip(results, expected)] == [
        (True, value) for _, value in expected
    ]


def test_containers_of_a_killed_client_are_gone(docker_api):
    client = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\nfrom synthloom.sandbox import DockerSandbox\n"
         "sb = DockerSandbox(pool_size=2).start()\nprint('ready', flush=True)\ntime.sleep(600)\n"],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert client.stdout.readline().strip() == "ready"
        assert len(containers_owned_by(docker_api, client.pid)) == 2
    finally:
        client.send_signal(signal.SIGKILL)
        client.wait()
    with DockerSandbox(pool_size=1) as next_client:
        assert next_client.evaluate(BENIGN, ["a"])[0].value == "A"
    deadline = time.monotonic() + 10
    while containers_owned_by(docker_api, client.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert containers_owned_by(docker_api, client.pid) == []


def test_reaper_removes_live_containers_of_dead_owners_only(docker_api):
    dead = subprocess.Popen(["true"])
    dead.wait()
    orphan = SandboxContainer(docker_api, DEFAULT_IMAGE, SandboxLimits(), pool_id="test",
                              owner=f"{os.uname().nodename}/{dead.pid}/1", runtime=None, preload=DEFAULT_PRELOAD)
    try:
        assert docker_api.containers(filters={"id": orphan.id})
        with DockerSandbox(pool_size=1) as mine:  # starting a sandbox reaps
            assert not docker_api.containers(all=True, filters={"id": orphan.id})
            assert reap_orphans(docker_api) == []  # a live owner's containers stay
            assert mine.evaluate(BENIGN, ["a"])[0].value == "A"
    finally:
        orphan.close()


def test_building_from_a_python_base_image(docker_api):
    name = "synthloom-sandbox-test:from-base"
    build_from_base(docker_api, DEFAULT_IMAGE, name)
    try:
        assert ensure_image(docker_api, name) == name
        with DockerSandbox(image=name, pool_size=1) as box:
            assert box.evaluate(BENIGN, ["a"])[0].value == "A"
    finally:
        docker_api.remove_image(name, force=True)
    assert not image_exists(docker_api, name)


def test_a_missing_custom_image_is_explained(docker_api):
    with pytest.raises(SandboxError, match="not present") as raised:
        DockerSandbox(image="synthloom-sandbox-test:absent", pool_size=1).start()
    assert raised.value.hint


def test_the_default_image_build_is_a_fast_no_op_when_present(docker_api):
    from synthloom.sandbox.image import build_default_image

    started = time.monotonic()
    assert build_default_image(docker_api) == DEFAULT_IMAGE
    assert time.monotonic() - started < 2


def test_an_image_without_python_is_explained(docker_api):
    empty = io.BytesIO()
    tarfile.open(fileobj=empty, mode="w").close()
    docker_api.import_image(src=empty.getvalue(), repository="synthloom-sandbox-test", tag="no-python")
    try:
        with pytest.raises(SandboxError, match="did not start") as raised:
            DockerSandbox(image="synthloom-sandbox-test:no-python", pool_size=1).start()
        assert "python3" in raised.value.hint
    finally:
        docker_api.remove_image("synthloom-sandbox-test:no-python", force=True)


def test_a_container_killed_from_outside_mid_job_is_replaced(docker_api):
    with DockerSandbox(pool_size=1) as box:
        pool_label = f"{POOL_LABEL}={box._pool.pool_id}"
        (victim,) = docker_api.containers(filters={"label": pool_label})
        killer = threading.Timer(0.5, docker_api.kill, args=(victim["Id"],))
        killer.start()
        outcomes = box.evaluate(body("time.sleep(30)"), ["a", "b"], timeout_s=20)
        killer.join()
        assert [o.status for o in outcomes] == ["killed", "killed"] and "replaced" in outcomes[0].error
        assert box.evaluate(BENIGN, ["a"])[0].value == "A"
        assert [c["Id"] for c in docker_api.containers(filters={"label": pool_label})] != [victim["Id"]]


def test_a_failing_build_step_is_reported_and_leaves_no_container(docker_api):
    def build_containers() -> set[str]:
        exited = docker_api.containers(all=True, filters={"ancestor": DEFAULT_IMAGE, "status": "exited"})
        return {c["Id"] for c in exited}

    before = build_containers()
    # --no-index keeps pip (where the image has one) off the network; it fails either way.
    with pytest.raises(SandboxError, match="failed"):
        build_from_base(docker_api, DEFAULT_IMAGE, "synthloom-sandbox-test:broken",
                        install=("--no-index", "no-such-package"))
    assert not image_exists(docker_api, "synthloom-sandbox-test:broken")
    assert build_containers() <= before


def test_a_missing_gvisor_runtime_is_explained(docker_api):
    if "runsc" in docker_api.info().get("Runtimes", {}):
        pytest.skip("gVisor is installed here")
    with pytest.raises(SandboxError, match="runsc") as raised:
        DockerSandbox(pool_size=1, runtime="runsc").start()
    assert "gVisor" in raised.value.hint
