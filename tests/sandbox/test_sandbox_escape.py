"""Verifier bodies that try to outlive their job, forge results, reach the network, the host or the supervisor."""

from __future__ import annotations

import socket

import pytest

from synthloom.sandbox.supervisor import encode_frame
from tests.sandbox.helpers import HOST_SECRET, body, run_beside_benign

pytestmark = pytest.mark.docker

OTHER_PIDS = body("return sorted(int(p) for p in os.listdir('/proc') if p.isdigit() and int(p) != os.getpid())")
PID1_START = body("return open('/proc/1/stat').read().rsplit(')', 1)[1].split()[19]")


def test_double_forked_daemon_does_not_survive_the_job(single):
    daemon = body("if os.fork() == 0:", "    os.setsid()", "    if os.fork() == 0:", "        while True:",
                  "            open('/tmp/daemon-was-here', 'w').close()", "            time.sleep(0.01)",
                  "    os._exit(0)", "time.sleep(0.2)", "return os.path.exists('/tmp/daemon-was-here')")
    assert single.evaluate(daemon, ["a"])[0].value is True
    assert single.evaluate(OTHER_PIDS, ["a"])[0].value == [1]
    assert single.evaluate(body("return os.listdir('/tmp')"), ["a"])[0].value == []


def test_files_do_not_persist_between_jobs(single):
    single.evaluate(body("open('/tmp/flag', 'w').write('1')", "os.mkdir('/tmp/d')", "os.chmod('/tmp/d', 0)"), ["a"])
    assert single.evaluate(body("return os.listdir('/tmp')"), ["a"])[0].value == []


def test_ipc_objects_left_behind_get_the_container_replaced(single):
    before = single.evaluate(PID1_START, ["a"])[0].value
    leave_shm = body("import ctypes", "libc = ctypes.CDLL(None, use_errno=True)",
                     "return libc.shmget(0, 4096, 0o1000 | 0o600) >= 0  # IPC_PRIVATE, IPC_CREAT")
    assert single.evaluate(leave_shm, ["a"])[0].value is True
    after = single.evaluate(body("return [open('/proc/sysvipc/shm').read().count('\\n'), "
                                 "open('/proc/1/stat').read().rsplit(')', 1)[1].split()[19]]"), ["a"])[0].value
    assert after[0] == 1 and after[1] != before  # only the header line, in a fresh container


def test_monkeypatching_builtins_and_modules_stays_inside_the_job(single):
    patch = body("import builtins, json", "builtins.len = lambda obj: 42", "json.dumps = None",
                 "sys.modules['re'] = None", "return 'patched'")
    assert single.evaluate(patch, ["a"])[0].value == "patched"
    check = body("import re", "return [len('abc'), re.sub('b', 'x', 'abc')]")
    assert single.evaluate(check, ["a"])[0].value == [3, "axc"]


def test_forged_result_frames_are_ignored(sandbox):
    fake_response = encode_frame({"nonce": "0" * 32, "results": [["ok", "true", None, 0.1]]})
    fake_line = b'["' + b"0" * 32 + b'", 0, "ok", 0.1, null, "true"]\n'
    code = body(f"fake = {fake_response!r} + {fake_line!r}", "print(fake.decode('latin-1'), flush=True)",
                "for fd in range(256):", "    try:", "        os.write(fd, fake)", "    except OSError:",
                "        pass", "for path in ('/proc/1/fd/1', '/proc/1/fd/0'):", "    try:",
                "        open(path, 'wb').write(fake)", "    except OSError:", "        pass", "return False")
    outcome = run_beside_benign(sandbox, code, ["a"])[0]
    # Writing a well-formed but foreign line on the result pipe is a protocol violation: the input fails as error.
    assert outcome.value is not True and outcome.status in {"ok", "error"}, outcome


def test_the_supervisor_cannot_be_killed_or_stopped(single):
    before = single.evaluate(PID1_START, ["a"])[0].value
    attack = body("for sig in (signal.SIGKILL, signal.SIGTERM, signal.SIGSTOP, signal.SIGINT, signal.SIGHUP):",
                  "    try:", "        os.kill(1, sig)", "    except OSError:", "        pass", "try:",
                  "    os.kill(-1, signal.SIGKILL)", "except OSError:", "    pass", "return 'survived'")
    assert single.evaluate(attack, ["a"])[0].value == "survived"
    assert single.evaluate(PID1_START, ["a"])[0].value == before


def test_supervisor_memory_and_stdio_are_unreachable(single):
    code = body("found = {}", "for path in ('/proc/1/mem', '/proc/1/environ', '/proc/1/fd/1', '/proc/1/root/etc'):",
                "    try:", "        open(path, 'rb').read(1)", "        found[path] = 'open'",
                "    except OSError as exc:", "        found[path] = type(exc).__name__", "return found")
    outcome = single.evaluate(code, ["a"])[0]
    assert outcome.status == "ok" and "open" not in outcome.value.values(), outcome.value


@pytest.mark.parametrize("code,status,text", [
    (body("sys.exit(3)"), "error", "SystemExit: 3"),
    (body("raise KeyboardInterrupt"), "error", "KeyboardInterrupt"),
    (body("os._exit(0)"), "error", "exited with status 0"),
    (body("os.kill(os.getpid(), 9)"), "killed", "SIGKILL"),
])
def test_exits_fail_only_their_own_input(sandbox, code, status, text):
    guarded = code.replace("def evaluate(x):\n", "def evaluate(x):\n    if x == 'fine':\n        return x\n")
    first, second = run_beside_benign(sandbox, guarded, ["boom", "fine"])
    assert first.status == status and text in first.error
    assert (second.status, second.value) == ("ok", "fine")


def test_only_loopback_exists_and_the_host_loopback_is_unreachable(sandbox):
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        listener.settimeout(0.5)
        port = listener.getsockname()[1]
        code = body("import socket", "result = {'interfaces': sorted(os.listdir('/sys/class/net'))}",
                    "try:", f"    socket.create_connection(('127.0.0.1', {port}), timeout=1).close()",
                    "    result['connect'] = 'connected'", "except OSError as exc:",
                    "    result['connect'] = type(exc).__name__", "return result")
        outcome = run_beside_benign(sandbox, code, ["a"])[0]
        assert outcome.value == {"interfaces": ["lo"], "connect": "ConnectionRefusedError"}
        with pytest.raises(socket.timeout):
            listener.accept()


def test_host_secrets_and_docker_socket_are_absent(sandbox):
    code = body("seen = dict(os.environ)", "for pid in [p for p in os.listdir('/proc') if p.isdigit()]:", "    try:",
                "        seen[pid] = open(f'/proc/{pid}/environ', 'rb').read().decode('latin-1')",
                "    except OSError:", "        pass",
                "sockets = [p for p in ('/var/run/docker.sock', '/run/docker.sock') if os.path.exists(p)]",
                "return [repr(seen), sockets]")
    outcome = run_beside_benign(sandbox, code, ["a"])[0]
    assert outcome.status == "ok" and HOST_SECRET not in outcome.value[0] and outcome.value[1] == []


def test_system_paths_are_read_only(sandbox):
    code = body("failures = 0", "for path in ('/etc/passwd', '/usr/bin/python3', '/x', '/proc/sys/kernel/hostname',",
                "             '/proc/sysrq-trigger', '/sys/kernel/profiling', '/dev/x'):", "    try:",
                "        open(path, 'ab').write(b'x')", "    except OSError:", "        failures += 1",
                "return failures")
    assert run_beside_benign(sandbox, code, ["a"])[0].value == 7


def test_privilege_changes_fail(sandbox):
    code = body("import ctypes", "libc = ctypes.CDLL(None, use_errno=True)", "results = []",
                "for attempt in (lambda: os.setuid(0), lambda: os.setgid(0), lambda: os.chroot('/tmp')):",
                "    try:", "        attempt()", "        results.append('allowed')", "    except OSError:",
                "        results.append('denied')",
                "results.append(libc.unshare(0x10000000) == -1)  # CLONE_NEWUSER",
                "results.append(libc.mount(b'none', b'/tmp', b'tmpfs', 0, None) == -1)",
                "return results")
    assert run_beside_benign(sandbox, code, ["a"])[0].value == ["denied", "denied", "denied", True, True]


def test_ctypes_segfault_is_killed(sandbox):
    code = body("import ctypes", "return ctypes.string_at(0)")
    outcome = run_beside_benign(sandbox, code, ["a"])[0]
    assert outcome.status == "killed" and "SIGSEGV" in outcome.error
