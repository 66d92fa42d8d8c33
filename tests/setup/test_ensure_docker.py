"""scripts/ensure_docker.sh in every machine state, against stub commands only.

PATH holds nothing but stubs (docker, dockerd, apt-get, id, mmdebstrap) that record their calls and simulate a
state, plus links to the few coreutils the script needs, so nothing real is ever installed or started and the tests
pass on a machine with no Docker at all.
"""

from __future__ import annotations

import os
import pathlib
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass

import pytest

SCRIPT = pathlib.Path(__file__).parents[2] / "scripts" / "ensure_docker.sh"
BASH = shutil.which("bash")
COREUTILS = ("timeout", "mkdir", "nohup", "tail", "sleep")
REMOTE = "tcp://remote.invalid:2375"

DOCKER = r"""
echo "docker $*" >> "$STATE/calls"
[ "$1" = info ] || exit 0
if [ -n "${DOCKER_HOST:-}" ]; then
  [ "$DOCKER_HOST" = "@REMOTE@" ] && [ -e "$STATE/remote_up" ] && exit 0
  echo "Cannot connect to the Docker daemon at $DOCKER_HOST. Is the docker daemon running?" >&2
  exit 1
fi
if [ -e "$STATE/up" ]; then
  [ -e "$STATE/denied" ] || exit 0
  echo "permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock" >&2
  exit 1
fi
echo "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?" >&2
exit 1
"""

# How a started daemon behaves is read from $STATE/dockerd_mode: ok (answers at once), slow (after 1.5 s),
# crash (exits with an error) or hang (runs and never answers).
DOCKERD = r"""
echo "dockerd $*" >> "$STATE/calls"
mode=$(< "$STATE/dockerd_mode")
echo "stub dockerd starting ($mode)"
case "$mode" in
  ok) : > "$STATE/up" ;;
  slow) sleep 1.5; : > "$STATE/up" ;;
  crash) echo "failed to start daemon: stub crash" >&2; exit 1 ;;
  hang) echo $$ > "$STATE/hung.pid"; exec sleep 60 ;;
esac
"""

# `install` "installs" a package by copying its stub executables next to this one.
APT_GET = r"""
install_stub() { @CP@ -p "$STUBS/$1" "$STUB_BIN/$1"; }
echo "apt-get $*" >> "$STATE/calls"
[ -e "$STATE/apt_fails" ] && { echo "E: stub apt failure" >&2; exit 100; }
for arg in "$@"; do
  case "$arg" in
    docker.io) install_stub docker; install_stub dockerd ;;
    mmdebstrap) install_stub mmdebstrap ;;
  esac
done
exit 0
"""

ID = r"""
case "$1" in
  -u) echo "$STUB_UID" ;;
  -un) echo tester ;;
  *) exit 1 ;;
esac
"""

MMDEBSTRAP = 'echo "mmdebstrap $*" >> "$STATE/calls"\n'

STUBS = {"docker": DOCKER, "dockerd": DOCKERD, "apt-get": APT_GET, "id": ID, "mmdebstrap": MMDEBSTRAP}


@dataclass
class Run:
    status: int
    message: str
    calls: list[str]
    seconds: float

    def called(self, program: str) -> list[str]:
        return [call for call in self.calls if call.split()[0] == program]


class Machine:
    """A fake machine: which commands exist, whether a daemon runs, whether we are root."""

    def __init__(self, root: pathlib.Path) -> None:
        self.bin, self.state, self.stubs = root / "bin", root / "state", root / "stubs"
        for folder in (self.bin, self.state, self.stubs):
            folder.mkdir()
        for program, body in STUBS.items():
            stub = self.stubs / program
            stub.write_text(f"#!{BASH}\n" + body.replace("@REMOTE@", REMOTE).replace("@CP@", shutil.which("cp")))
            stub.chmod(0o755)
        for tool in COREUTILS:
            (self.bin / tool).symlink_to(shutil.which(tool))
        self.log = root / "var" / "log" / "dockerd.log"
        self.pidfile = root / "docker.pid"
        self.uid = 0
        self.dockerd_mode("ok")
        self.install("apt-get", "id")  # every Debian machine has them

    def install(self, *programs: str) -> Machine:
        for program in programs:
            shutil.copy2(self.stubs / program, self.bin / program)
        return self

    def daemon_up(self) -> Machine:
        (self.state / "up").touch()
        return self

    def dockerd_mode(self, mode: str) -> Machine:
        (self.state / "dockerd_mode").write_text(mode)
        return self

    def flag(self, name: str) -> Machine:
        (self.state / name).touch()
        return self

    def run(self, wait_s: int = 5, **env: str) -> Run:
        calls = self.state / "calls"
        calls.write_text("")
        environment = {
            "PATH": str(self.bin), "STATE": str(self.state), "STUB_BIN": str(self.bin), "STUBS": str(self.stubs),
            "STUB_UID": str(self.uid), "DOCKER_WAIT_S": str(wait_s), "DOCKERD_LOG": str(self.log),
            "DOCKERD_PIDFILE": str(self.pidfile), **env,
        }
        started = time.monotonic()
        done = subprocess.run([BASH, str(SCRIPT)], env=environment, capture_output=True, text=True, timeout=60,
                              stdin=subprocess.DEVNULL)
        return Run(done.returncode, done.stdout + done.stderr, calls.read_text().splitlines(),
                   time.monotonic() - started)

    def kill_leftovers(self) -> None:
        hung = self.state / "hung.pid"
        if hung.exists():
            try:
                os.kill(int(hung.read_text()), signal.SIGKILL)
            except ProcessLookupError:
                pass


@pytest.fixture
def machine(tmp_path) -> Machine:
    fake = Machine(tmp_path)
    yield fake
    fake.kill_leftovers()


def test_client_only_installs_docker_io_and_mmdebstrap_with_one_update_then_starts_dockerd(machine):
    result = machine.install("docker").run()
    assert result.status == 0, result.message
    assert result.called("apt-get") == [
        "apt-get -o DPkg::Lock::Timeout=120 update -qq",
        "apt-get -o DPkg::Lock::Timeout=120 install -y -qq --no-install-recommends docker.io mmdebstrap",
    ]
    assert len(result.called("dockerd")) == 1
    assert "Docker daemon is up" in result.message
    assert "stub dockerd starting" in machine.log.read_text()


def test_client_only_with_mmdebstrap_present_installs_only_docker_io(machine):
    result = machine.install("docker", "mmdebstrap").run()
    assert result.status == 0, result.message
    assert result.called("apt-get")[-1].endswith("install -y -qq --no-install-recommends docker.io")


def test_a_second_run_does_nothing(machine):
    machine.install("docker")
    assert machine.run().status == 0
    again = machine.run()
    assert again.status == 0, again.message
    assert again.called("apt-get") == [] and again.called("dockerd") == []


def test_installed_but_stopped_daemon_is_started_without_installing(machine):
    result = machine.install("docker", "dockerd", "mmdebstrap").dockerd_mode("slow").run()
    assert result.status == 0, result.message
    assert result.called("apt-get") == []
    assert result.called("dockerd") == [f"dockerd --pidfile {machine.pidfile}"]


def test_running_daemon_is_left_alone(machine):
    result = machine.install("docker", "dockerd", "mmdebstrap").daemon_up().run()
    assert result.status == 0, result.message
    assert result.called("apt-get") == [] and result.called("dockerd") == []
    assert result.called("docker") == ["docker info"]


def test_running_daemon_without_mmdebstrap_gets_only_mmdebstrap(machine):
    result = machine.install("docker", "dockerd").daemon_up().run()
    assert result.status == 0, result.message
    assert result.called("apt-get")[-1].endswith("--no-install-recommends mmdebstrap")
    assert result.called("dockerd") == []


def test_a_daemon_that_is_already_starting_is_not_started_twice(machine):
    machine.install("docker", "dockerd", "mmdebstrap")
    machine.pidfile.write_text(str(os.getpid()))  # a live process holds the pid file
    starter = subprocess.Popen([shutil.which("sh"), "-c", f"sleep 1; touch {machine.state / 'up'}"])
    try:
        result = machine.run()
    finally:
        starter.wait()
    assert result.status == 0, result.message
    assert result.called("dockerd") == [] and "already running" in result.message


def test_a_stale_pid_file_does_not_stop_a_start(machine):
    dead = subprocess.Popen(["true"])
    dead.wait()
    machine.pidfile.write_text(str(dead.pid))
    result = machine.install("docker", "dockerd", "mmdebstrap").run()
    assert result.status == 0, result.message
    assert len(result.called("dockerd")) == 1


def test_a_remote_daemon_through_docker_host_is_used_as_is(machine):
    machine.install("docker").flag("remote_up")  # no dockerd, no mmdebstrap on this machine
    result = machine.run(DOCKER_HOST=REMOTE)
    assert result.status == 0, result.message
    assert result.called("apt-get") == [] and result.called("dockerd") == []
    assert "mmdebstrap is missing" in result.message


def test_an_unreachable_docker_host_fails_without_touching_the_machine(machine):
    result = machine.install("docker", "dockerd").run(wait_s=2, DOCKER_HOST="tcp://down.invalid:2375")
    assert result.status == 1
    assert "DOCKER_HOST=tcp://down.invalid:2375 does not answer" in result.message
    assert result.called("apt-get") == [] and result.called("dockerd") == []
    assert result.seconds < 10


@pytest.mark.parametrize("installed", [("docker",), ("docker", "dockerd")], ids=["client only", "stopped daemon"])
def test_without_root_it_says_what_to_run_with_sudo_and_changes_nothing(machine, installed):
    machine.uid = 1000
    result = machine.install(*installed).run()
    assert result.status == 1
    assert f"sudo bash {SCRIPT}" in result.message
    assert result.called("apt-get") == [] and result.called("dockerd") == []
    assert result.seconds < 5


def test_without_root_and_no_socket_access_it_points_at_the_docker_group(machine):
    machine.uid = 1000
    result = machine.install("docker", "dockerd", "mmdebstrap").daemon_up().flag("denied").run()
    assert result.status == 1
    assert "permission denied" in result.message and "usermod -aG docker tester" in result.message


def test_without_root_a_running_daemon_is_enough(machine):
    machine.uid = 1000
    result = machine.install("docker", "dockerd").daemon_up().run()
    assert result.status == 0, result.message
    assert result.called("apt-get") == [] and "sudo apt-get install -y mmdebstrap" in result.message


def test_a_crashing_dockerd_fails_fast_with_its_log(machine):
    result = machine.install("docker", "dockerd", "mmdebstrap").dockerd_mode("crash").run(wait_s=30)
    assert result.status == 1
    assert "exited before it answered" in result.message and "stub crash" in result.message
    assert result.seconds < 10


def test_a_dockerd_that_never_answers_times_out_with_its_log(machine):
    result = machine.install("docker", "dockerd", "mmdebstrap").dockerd_mode("hang").run(wait_s=2)
    assert result.status == 1
    assert "did not answer within 2s" in result.message and "stub dockerd starting (hang)" in result.message


def test_a_failing_apt_get_is_reported(machine):
    result = machine.install("docker").flag("apt_fails").run()
    assert result.status == 1 and "apt-get update failed" in result.message
    assert result.called("dockerd") == []
