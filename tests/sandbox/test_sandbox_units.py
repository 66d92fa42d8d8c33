"""Parts of the sandbox that need no Docker daemon."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys

import pytest

from synthloom.errors import ConfigError, SandboxError
from synthloom.sandbox import DockerSandbox, Outcome, SandboxLimits, code_hash
from synthloom.sandbox.doctor import check_limits
from synthloom.sandbox.limits import owner_id
from synthloom.sandbox.pool import owner_is_dead
from synthloom.sandbox.supervisor import HEADER, encode_frame
from tests.sandbox.autoif_helpers import parse_autoif_reply

GOOD_FACTS = {
    "uid": 65534, "cap_eff": "0000000000000000", "no_new_privs": "1", "seccomp": "2", "interfaces": ["lo"],
    "memory": str(512 * 1024 * 1024), "memory_swap": str(512 * 1024 * 1024), "swap_v2": None, "pids": "64",
    "cpu_v2": None, "cpu_quota": "100000", "cpu_period": "100000", "fsize": 16 * 1024 * 1024, "nofile": 256,
    "root_writable": False, "tmp_writable": True, "environment": [], "environment_block": "",
    "pid1_environ_readable": False,
    "docker_socket": False,
}


def test_importing_the_package_does_not_import_docker():
    probe = "import sys, synthloom.sandbox, synthloom.sandbox.cli; print('docker' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_outcome_decodes_wire_records_and_serialises():
    outcome = Outcome.from_wire(["ok", '{"a": [1, true]}', None, 1.5])
    assert outcome == Outcome("ok", {"a": [1, True]}, None, 1.5)
    assert outcome.to_dict() == {"status": "ok", "value": {"a": [1, True]}, "error": None, "duration_ms": 1.5}
    assert Outcome.from_wire(["timeout", None, "slow", 1000]).value is None


def test_outcome_turns_undecodable_nesting_into_an_error():
    deep = "[" * 100_000 + "]" * 100_000
    outcome = Outcome.from_wire(["ok", deep, None, 1.0])
    assert outcome.status == "error" and "nested" in outcome.error


@pytest.mark.parametrize("record", [["ok", None, None, 1.0], ["weird", None, None, 1.0], ["ok", "1", None], "x",
                                    ["error", None, 5, 1.0]])
def test_outcome_rejects_malformed_records(record):
    with pytest.raises(ValueError):
        Outcome.from_wire(record)


def test_code_hash_is_sha256_and_accepts_lone_surrogates():
    assert code_hash("abc") == hashlib.sha256(b"abc").hexdigest()
    assert len(code_hash("\udcff")) == 64


def test_frames_are_length_prefixed_ascii_json():
    frame = encode_frame({"x": "\udcff\x00é"})
    (size,) = HEADER.unpack(frame[: HEADER.size])
    body = frame[HEADER.size :]
    assert size == len(body) and body.isascii() and json.loads(body) == {"x": "\udcff\x00é"}


def test_limits_reject_a_tmpfs_as_large_as_memory():
    with pytest.raises(ConfigError, match="must exceed tmpfs_mb"):
        SandboxLimits(memory_mb=256, tmpfs_mb=256)


def test_check_limits_passes_good_facts_and_names_each_violation():
    assert all(check.ok for check in check_limits(GOOD_FACTS, SandboxLimits()))
    bad = {**GOOD_FACTS, "uid": 0, "interfaces": ["eth0", "lo"], "memory": "9223372036854771712", "cpu_quota": "-1",
           "environment_block": "PATH=/usr/bin\x00HOSTNAME=x\x00"}
    failed = {check.name for check in check_limits(bad, SandboxLimits()) if not check.ok}
    assert failed == {"non-root user", "no network", "memory limit", "cpu limit", "empty environment"}


def test_owner_liveness():
    assert not owner_is_dead(owner_id())
    child = subprocess.Popen(["true"])
    child.wait()
    assert owner_is_dead(f"{os.uname().nodename}/{child.pid}/1")
    assert not owner_is_dead(f"some-other-host/{child.pid}/1")


def test_parse_autoif_reply_handles_fences_and_garbage():
    reply = 'Sure:\n```json\n{"func": "def evaluate(r):\\n    return True", "cases": []}\n```'
    assert parse_autoif_reply(reply)["cases"] == []
    assert parse_autoif_reply("```json\n{not json}\n```") is None
    assert parse_autoif_reply('{"func": "print(1)"}') is None


def test_an_unreachable_daemon_is_explained(monkeypatch, tmp_path):
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/absent.sock")
    with pytest.raises(SandboxError, match="cannot reach the Docker daemon") as raised:
        DockerSandbox(pool_size=1).start()
    assert "doctor" in raised.value.hint


def test_pool_size_must_be_positive():
    with pytest.raises(ConfigError, match="pool_size"):
        DockerSandbox(pool_size=0)


def test_oversized_jobs_are_refused_before_reaching_docker():
    with pytest.raises(ConfigError, match="request limit"):
        DockerSandbox(pool_size=1).evaluate("def evaluate(x):\n    return x\n", ["x" * (256 * 1024 * 1024)])
