"""The supervisor's bookkeeping, run in this process: no Docker, no fork."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterator

import pytest

from synthloom.errors import ConfigError
from synthloom.sandbox import Outcome, SandboxLimits
from synthloom.sandbox.limits import DEFAULT_PRELOAD
from synthloom.sandbox.supervisor import Anomaly, Supervisor, _Watch, wipe

NONCE = "n" * 32


def supervisor(**limits: int) -> Supervisor:
    return Supervisor(SandboxLimits(**limits).supervisor_config(DEFAULT_PRELOAD))


def loaded_watch(owner: Supervisor, inputs: int) -> _Watch:
    watch = _Watch(owner, {"inputs": [None] * inputs, "timeout_s": 5.0, "job_timeout_s": 30.0}, 0, NONCE, 0)
    assert watch.accept(line(-1, "ready"))
    return watch


def line(index: int, status: str, value_text: str | None = None, error: str | None = None,
         duration: str = "1.5") -> bytes:
    return f'["{NONCE}", {index}, "{status}", {duration}, {json.dumps(error)}, {json.dumps(value_text)}]'.encode()


def test_output_past_the_cap_after_the_last_result_records_nothing():
    watch = loaded_watch(supervisor(), 1)
    assert watch.accept(line(0, "ok", "1"))
    watch.on_output(b"x" * (2 * 1024 * 1024))
    watch.fail_current("timeout", "late")
    assert [record[0] for record in watch.results] == ["ok"]


@pytest.mark.parametrize("duration", ["NaN", "Infinity", "-Infinity", "1" * 400, '"1"'])
def test_durations_that_are_not_finite_numbers_are_refused(duration):
    watch = loaded_watch(supervisor(), 1)
    assert not watch.accept(line(0, "ok", "1", duration=duration))


def test_forged_oversized_values_and_long_errors_are_bounded():
    watch = loaded_watch(supervisor(), 2)
    assert not watch.accept(line(0, "ok", "1" * (64 * 1024 + 1)))
    assert watch.accept(line(0, "error", error="E" * 10_000))
    assert len(watch.results[0][2]) == 2000


def test_the_job_budget_fails_only_the_results_that_do_not_fit():
    owner = supervisor(max_result_bytes=100, max_job_result_bytes=250)
    watch = loaded_watch(owner, 5)
    for index, (status, value, error) in enumerate([("ok", "1" * 100, None), ("ok", "2" * 100, None),
                                                    ("ok", "3" * 100, None), ("ok", "4" * 40, None),
                                                    ("error", None, "E" * 200)]):
        assert watch.accept(line(index, status, value, error))
    statuses = [record[0] for record in watch.results]
    assert statuses == ["ok", "ok", "output_limit", "ok", "error"]
    assert "split its inputs" in watch.results[2][2]
    assert watch.results[4][2].startswith("E" * 100 + " [cut:")


def test_a_job_budget_smaller_than_one_result_is_refused():
    with pytest.raises(ConfigError, match="max_job_result_bytes"):
        SandboxLimits(max_result_bytes=1000, max_job_result_bytes=999)


@pytest.mark.parametrize("value_text,reason", [("1" * 5001, "digits"), ("{not json", "decoded"),
                                               ("[" * 100_000 + "]" * 100_000, "nested"), ("[1e999]", "range"),
                                               ("NaN", "not JSON")])
def test_values_the_host_cannot_decode_fail_only_their_input(value_text, reason):
    outcome = Outcome.from_wire(["ok", value_text, None, 1.0])
    assert outcome.status == "error" and reason in outcome.error and outcome.value is None


def test_an_out_of_range_duration_is_a_malformed_record():
    with pytest.raises(ValueError, match="duration"):
        Outcome.from_wire(["ok", "1", None, 10**400])


@pytest.fixture
def tmpfs_path(tmp_path) -> Iterator[str]:
    """A folder on a tmpfs like the sandbox's /tmp where the host has one: rmdir on a disk costs ms apiece."""
    base = "/dev/shm" if os.access("/dev/shm", os.W_OK) else str(tmp_path)
    path = tempfile.mkdtemp(prefix="synthloom-wipe-", dir=base)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_wipe_removes_a_chain_deeper_than_the_recursion_and_fd_limits(tmpfs_path):
    fd = os.open(tmpfs_path, os.O_RDONLY)
    for _ in range(1200):  # past Python's recursion limit (1000) and the sandbox's open-file limit (256)
        os.mkdir("d", dir_fd=fd)
        below = os.open("d", os.O_RDONLY, dir_fd=fd)
        os.close(fd)
        fd = below
    os.close(os.open("f", os.O_CREAT | os.O_WRONLY, dir_fd=fd))
    os.close(fd)
    wipe(tmpfs_path, time.monotonic() + 30)
    assert os.listdir(tmpfs_path) == []


def test_wipe_does_not_follow_symlinks_and_restores_permissions(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep").write_text("x")
    target = tmp_path / "target"
    (target / "locked" / "inner").mkdir(parents=True)
    (target / "locked" / "inner" / "f").write_text("x")
    (target / "link").symlink_to(outside)
    (target / "locked" / "inner").chmod(0o500)
    (target / "locked").chmod(0)
    wipe(str(target), time.monotonic() + 30)
    assert os.listdir(target) == [] and (outside / "keep").exists()


def test_wipe_gives_up_at_its_deadline(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    with pytest.raises(Anomaly, match="within"):
        wipe(str(tmp_path), time.monotonic() - 1)
