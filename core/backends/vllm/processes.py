"""Ending a process started in a session of its own together with everything it started (vLLM's engine core and
model workers), so that no engine outlives the backend or the server that started it."""

from __future__ import annotations

import os
import signal
import subprocess
import time


def end_session(process: subprocess.Popen[bytes], grace_s: float) -> None:
    """SIGTERM to the process's group, SIGKILL after `grace_s`; returns when no process of the group is left."""
    for sig, wait_s in ((signal.SIGTERM, grace_s), (signal.SIGKILL, 10.0)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            break
        try:
            process.wait(timeout=wait_s)
        except subprocess.TimeoutExpired:
            continue
        if not _group_alive(process.pid, wait_s):
            return
    process.poll()


def _group_alive(pgid: int, timeout_s: float) -> bool:
    """Whether some process of the group is still there after waiting up to `timeout_s` for it to go."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return False
        if time.monotonic() > deadline:
            return True
        time.sleep(0.1)
