"""Resource limits of a sandbox container and the hardened Docker settings derived from them."""

from __future__ import annotations

import os
from dataclasses import dataclass

from synthloom.errors import ConfigError

LABEL = "synthloom.sandbox"
OWNER_LABEL = "synthloom.sandbox.owner"
POOL_LABEL = "synthloom.sandbox.pool"
SANDBOX_UID = 65534
SUPERVISOR_HEADROOM_BYTES = 64 * 1024 * 1024
# Modules the supervisor imports once so that forked job processes get them for free. Only what starts in a few ms:
# heavier ones (nltk) would slow every fresh container more than they save.
DEFAULT_PRELOAD = ("re", "json", "math", "string", "collections", "itertools", "functools", "unicodedata", "datetime")


@dataclass(frozen=True)
class SandboxLimits:
    """Per-container limits. Memory is shared by the supervisor, the job and /tmp (a tmpfs counts as memory)."""

    memory_mb: int = 512
    cpus: float = 1.0
    pids: int = 64
    tmpfs_mb: int = 64
    file_size_mb: int = 16
    open_files: int = 256
    max_output_bytes: int = 1024 * 1024
    max_result_bytes: int = 64 * 1024
    max_job_result_bytes: int = 16 * 1024 * 1024

    def __post_init__(self) -> None:
        if self.tmpfs_mb >= self.memory_mb or self.memory_bytes <= 2 * SUPERVISOR_HEADROOM_BYTES:
            raise ConfigError(
                f"memory_mb ({self.memory_mb}) must exceed tmpfs_mb ({self.tmpfs_mb}) and 128",
                where="SandboxLimits",
                hint="the /tmp tmpfs is charged to the container's memory",
            )
        for name in ("memory_mb", "pids", "tmpfs_mb", "file_size_mb", "open_files", "max_output_bytes",
                     "max_result_bytes"):
            if getattr(self, name) <= 0:
                raise ConfigError(f"{name} must be positive", where="SandboxLimits")
        if self.max_job_result_bytes < self.max_result_bytes:
            raise ConfigError(
                f"max_job_result_bytes ({self.max_job_result_bytes}) must be at least max_result_bytes "
                f"({self.max_result_bytes})", where="SandboxLimits",
                hint="the job budget holds the results of all of a job's inputs together",
            )
        if self.cpus <= 0:
            raise ConfigError("cpus must be positive", where="SandboxLimits")

    @property
    def memory_bytes(self) -> int:
        return self.memory_mb * 1024 * 1024

    def supervisor_config(self, preload: tuple[str, ...]) -> dict:
        # The job's address-space cap sits below the cgroup limit so that a plain allocation bomb usually ends as a
        # MemoryError (status error) rather than an OOM kill; both are bounded, the first says more.
        return {
            "address_space_bytes": self.memory_bytes - SUPERVISOR_HEADROOM_BYTES,
            "max_output_bytes": self.max_output_bytes,
            "max_result_bytes": self.max_result_bytes,
            "max_job_result_bytes": self.max_job_result_bytes,
            "preload": list(preload),
        }


def host_config(api, limits: SandboxLimits, runtime: str | None) -> dict:
    """The hardening list, in one place: see docs/sandbox.md for why each item is there."""
    from docker.types import Ulimit

    file_size = limits.file_size_mb * 1024 * 1024
    return api.create_host_config(
        network_mode="none",
        read_only=True,
        tmpfs={"/tmp": f"rw,nosuid,nodev,noexec,size={limits.tmpfs_mb}m,mode=1777"},
        ipc_mode="none",
        cap_drop=["ALL"],
        security_opt=["no-new-privileges:true"],
        pids_limit=limits.pids,
        mem_limit=limits.memory_bytes,
        memswap_limit=limits.memory_bytes,
        nano_cpus=int(limits.cpus * 1e9),
        ulimits=[
            Ulimit(name="fsize", soft=file_size, hard=file_size),
            Ulimit(name="nofile", soft=limits.open_files, hard=limits.open_files),
            Ulimit(name="core", soft=0, hard=0),
        ],
        # No docker-init on purpose: the supervisor is PID 1 (see supervisor.py for why) and reaps every process.
        init=False,
        auto_remove=True,
        log_config={"type": "none", "config": {}},
        runtime=runtime,
    )


def owner_id() -> str:
    """Who owns a container: host, pid and the pid's start time, so a recycled pid is not mistaken for the owner."""
    return f"{os.uname().nodename}/{os.getpid()}/{process_start_ticks(os.getpid())}"


def process_start_ticks(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            return handle.read().rsplit(b")", 1)[1].split()[19].decode()
    except (OSError, IndexError):
        return "?"
