"""Verifier bodies and checks shared by the sandbox tests."""

from __future__ import annotations

from synthloom.sandbox import DockerSandbox, Outcome
from synthloom.sandbox.limits import LABEL, OWNER_LABEL
from synthloom.sandbox.pool import owner_is_dead

# The conftest exports this into the test process's environment before any sandbox starts.
HOST_SECRET = "synthloom-test-secret-6f1d"

BENIGN = "def evaluate(response):\n    return response.upper()\n"


def body(*lines: str, imports: str = "import os, sys, time, signal, re, threading") -> str:
    return imports + "\ndef evaluate(x):\n" + "\n".join("    " + line for line in lines) + "\n"


HANGS = {
    "busy loop": body("while True:", "    pass"),
    "bare except loop": body("while True:", "    try:", "        while True:", "            pass", "    except:",
                             "        pass"),
    "long C call": body("return sum(range(10**12))"),
    "catastrophic regex": body("return bool(re.match(r'(a+)+$', 'a' * 64 + 'b'))"),
    "sleep": body("time.sleep(3600)"),
    "signal.pause": body("signal.pause()"),
    "ignores SIGALRM and SIGTERM": body("signal.signal(signal.SIGALRM, signal.SIG_IGN)",
                                        "signal.signal(signal.SIGTERM, signal.SIG_IGN)", "while True:",
                                        "    time.sleep(0.01)"),
    "fork bomb": body("while True:", "    try:", "        os.fork()", "    except OSError:", "        pass"),
}


def containers_owned_by(api, pid: int | None) -> list[str]:
    """Labelled containers owned by process `pid` on this host (None: by any dead owner, i.e. leaked)."""
    containers = api.containers(all=True, filters={"label": f"{LABEL}=1"})
    owners = {c["Id"]: c["Labels"].get(OWNER_LABEL, "") for c in containers}
    if pid is None:
        return [cid for cid, owner in owners.items() if owner_is_dead(owner)]
    return [cid for cid, owner in owners.items() if owner.split("/")[1:2] == [str(pid)]]


def run_beside_benign(sandbox: DockerSandbox, code: str, inputs: list, **options) -> list[Outcome]:
    """Run hostile code next to a benign job in the same batch; the benign job and the pool must be unaffected."""
    hostile, benign = sandbox.evaluate_many([(code, inputs), (BENIGN, ["abc", "x"])], **options)
    assert [(o.status, o.value) for o in benign] == [("ok", "ABC"), ("ok", "X")], benign
    after = sandbox.evaluate_many([(BENIGN, ["after"])] * 2)
    assert all(outcome.status == "ok" and outcome.value == "AFTER" for job in after for outcome in job), after
    return hostile
