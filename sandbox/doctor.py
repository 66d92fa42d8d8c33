"""`synthloom sandbox doctor`: is the daemon there, is the image there, and are the limits really applied?

The limits are read from inside a running sandbox container, through the same path verifier code takes, because
what Docker was asked for and what the kernel enforces can differ (cgroup v1 vs v2, rootless Docker, gVisor).
"""

from __future__ import annotations

from dataclasses import dataclass

from synthloom.errors import SandboxError
from synthloom.sandbox.daemon import FIX_DAEMON, connect
from synthloom.sandbox.image import DEFAULT_IMAGE, FIX_BUILD, image_exists
from synthloom.sandbox.limits import SANDBOX_UID, SandboxLimits
from synthloom.sandbox.sandbox import DockerSandbox

PROBE = r'''
import os, resource

def _read(path):
    try:
        with open(path) as handle:
            return handle.read().strip()
    except OSError:
        return None

def _first(*paths):
    return next((value for value in map(_read, paths) if value is not None), None)

def _writable(path):
    try:
        with open(path, "w") as handle:
            handle.write("x")
        os.unlink(path)
        return True
    except OSError:
        return False

def evaluate(_):
    status = dict(line.split(":\t", 1) for line in _read("/proc/self/status").splitlines() if ":\t" in line)
    return {
        "uid": os.getuid(),
        "cap_eff": status.get("CapEff"),
        "no_new_privs": status.get("NoNewPrivs"),
        "seccomp": status.get("Seccomp"),
        "interfaces": sorted(os.listdir("/sys/class/net")),
        "memory": _first("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"),
        "memory_swap": _first("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes"),
        "swap_v2": _read("/sys/fs/cgroup/memory.swap.max"),
        "pids": _first("/sys/fs/cgroup/pids.max", "/sys/fs/cgroup/pids/pids.max"),
        "cpu_v2": _read("/sys/fs/cgroup/cpu.max"),
        "cpu_quota": _read("/sys/fs/cgroup/cpu/cpu.cfs_quota_us"),
        "cpu_period": _read("/sys/fs/cgroup/cpu/cpu.cfs_period_us"),
        "fsize": resource.getrlimit(resource.RLIMIT_FSIZE)[1],
        "nofile": resource.getrlimit(resource.RLIMIT_NOFILE)[1],
        "root_writable": _writable("/etc/synthloom-probe"),
        "tmp_writable": _writable("/tmp/synthloom-probe"),
        "environment": sorted(os.environ),
        "environment_block": _read("/proc/self/environ"),
        "pid1_environ_readable": _read("/proc/1/environ") is not None,
        "docker_socket": any(os.path.exists(p) for p in ("/var/run/docker.sock", "/run/docker.sock")),
    }
'''


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""


def probe(sandbox: DockerSandbox) -> dict:
    """What a verifier running in this sandbox can observe about its own confinement."""
    outcome = sandbox.evaluate(PROBE, [None], timeout_s=10.0)[0]
    if outcome.status != "ok":
        raise SandboxError(f"the limits probe failed in the container: {outcome.status}: {outcome.error}",
                           where="sandbox doctor", hint="run `synthloom sandbox build --force`")
    return outcome.value


def _cpus(facts: dict) -> float | None:
    if facts["cpu_v2"]:
        quota, _, period = facts["cpu_v2"].partition(" ")
        return None if quota == "max" else int(quota) / int(period)
    if facts["cpu_quota"] and facts["cpu_period"] and int(facts["cpu_quota"]) > 0:
        return int(facts["cpu_quota"]) / int(facts["cpu_period"])
    return None


def check_limits(facts: dict, limits: SandboxLimits) -> list[Check]:
    """Compare what the probe saw with what the sandbox asked for; every failed check says what to fix."""
    docker_fix = "upgrade Docker (>= 20.10) or check that the daemon honours this limit (rootless Docker may not)"
    memory = str(limits.memory_bytes)
    swap_ok = facts["memory_swap"] == memory if facts["memory_swap"] is not None else facts["swap_v2"] in ("0", None)
    block = facts["environment_block"]
    empty_env = facts["environment"] == [] and block == ""
    env_detail = f"variables {facts['environment']}, " + (f"environment block {block[:80]!r}" if block
                                                            else "empty environment block")
    return [
        Check("non-root user", facts["uid"] == SANDBOX_UID, f"uid {facts['uid']}", "use an image without USER root"),
        Check("no capabilities", facts["cap_eff"] == "0000000000000000", f"CapEff {facts['cap_eff']}", docker_fix),
        Check("no-new-privileges", facts["no_new_privs"] == "1", f"NoNewPrivs {facts['no_new_privs']}", docker_fix),
        Check("seccomp filter", facts["seccomp"] == "2", f"Seccomp mode {facts['seccomp']}",
              "enable Docker's default seccomp profile (gVisor filters syscalls itself)"),
        Check("no network", facts["interfaces"] == ["lo"], f"interfaces {facts['interfaces']}", docker_fix),
        Check("memory limit", facts["memory"] == memory, f"{facts['memory']} (want {memory})",
              "enable the memory cgroup controller (cgroup_enable=memory on the kernel command line)"),
        Check("no swap", swap_ok, f"memory+swap {facts['memory_swap'] or facts['swap_v2']}",
              "enable swap accounting (swapaccount=1) so memory+swap can be capped"),
        Check("pids limit", facts["pids"] == str(limits.pids), f"{facts['pids']} (want {limits.pids})", docker_fix),
        Check("cpu limit", _cpus(facts) == limits.cpus, f"{_cpus(facts)} cpus (want {limits.cpus})", docker_fix),
        Check("file size limit", facts["fsize"] == limits.file_size_mb * 1024 * 1024, f"{facts['fsize']} bytes",
              docker_fix),
        Check("open files limit", facts["nofile"] == limits.open_files, f"{facts['nofile']}", docker_fix),
        Check("read-only root", not facts["root_writable"], "root filesystem writable" if facts["root_writable"]
              else "root filesystem read-only", docker_fix),
        Check("writable /tmp", facts["tmp_writable"], "tmpfs /tmp", "check the tmpfs mount options"),
        Check("empty environment", empty_env, env_detail, "report this as a bug"),
        Check("supervisor protected", not facts["pid1_environ_readable"], "/proc/1 unreadable by verifier code"
              if not facts["pid1_environ_readable"] else "/proc/1/environ readable", "use an image with ctypes"),
        Check("no Docker socket", not facts["docker_socket"], "absent" if not facts["docker_socket"] else "present",
              "never mount /var/run/docker.sock into sandbox containers"),
    ]


def diagnose(image: str | None = None, runtime: str | None = None) -> list[Check]:
    """Every check `synthloom sandbox doctor` prints, stopping early when a later one cannot run."""
    try:
        api = connect(timeout_s=10)
    except SandboxError as exc:
        return [Check("Docker daemon", False, exc.message, FIX_DAEMON)]
    version = api.version()
    checks = [Check("Docker daemon", True, f"server {version.get('Version')}, API {version.get('ApiVersion')}")]
    runtimes = sorted(api.info().get("Runtimes", {}))
    checks.append(Check("gVisor (optional)", True, "runsc installed" if "runsc" in runtimes
                        else f"not installed (runtimes: {', '.join(runtimes)}); kernel exploits are out of scope"))
    name = image or DEFAULT_IMAGE
    if not image_exists(api, name):
        return [*checks, Check("sandbox image", False, f"{name} is absent", FIX_BUILD)]
    checks.append(Check("sandbox image", True, name))
    limits = SandboxLimits()
    with DockerSandbox(image=name, pool_size=1, limits=limits, runtime=runtime) as sandbox:
        return checks + check_limits(probe(sandbox), limits)
