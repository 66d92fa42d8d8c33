"""The trusted supervisor that runs inside every sandbox container, and the framing both ends share.

It runs as PID 1 of its container (the container has no docker-init). Why: the kernel drops every signal sent to a
namespace's PID 1 from inside that namespace unless PID 1 installed a handler, so verifier code can neither kill nor
stop the supervisor (`os.kill(-1, 9)` included); and `kill(-1, SIGKILL)` issued *by* PID 1 wipes every other process
in the container in one call, which is how leftovers (double-forked daemons, fork bombs) are reaped after each job.
The supervisor also marks itself non-dumpable, so same-uid code cannot open /proc/1/fd/1 (the stream to the host),
/proc/1/environ or /proc/1/mem.

Protocol: the host writes frames (4-byte big-endian length, then ASCII JSON) on stdin; the supervisor writes frames
on stdout: a hello when ready, then per job a response and, once the job's leftovers are reaped, a ready frame.
Each job runs in forked children that never hold the supervisor's stdio: fds 0/1/2 become /dev/null and a byte-capped
output pipe, and results come back over a private pipe as newline-delimited JSON carrying a per-child random nonce.
Before reporting an input, the child waits until the supervisor has read all the output written so far, and the
supervisor handles results before output, so what an input writes before it returns is charged to that input.
All inputs of a job run in one child with one namespace for the code; after a per-input timeout, a kill or an output
overflow, the remaining inputs are rerun in a fresh child. The next child is forked and isolated between jobs, while
the host reads the previous answer, so a job only pays for handing its request over a pipe.

The host starts it through a bootstrap that execs it with an empty environment (see container.py), so neither it nor
any job process forked from it has a variable in its environment block, which /proc/<pid>/environ shows.

This file must stay standard-library only: the host runs it as `python3 -I -u -c <this source> <config json>`, so the
image needs nothing but a Python, and the host imports `encode_frame`/`HEADER` from it so both ends share one framing.
"""

from __future__ import annotations

import builtins
import fcntl
import gc
import json
import math
import os
import resource
import select
import signal
import struct
import sys
import termios
import time

PROTOCOL = 1
HEADER = struct.Struct(">I")
MAX_REQUEST_BYTES = 256 * 1024 * 1024
CHILD_STATUSES = frozenset({"ok", "error", "output_limit"})
MAX_ERROR_CHARS = 2000
# Past a job's result budget an error keeps only this much of its text, so a job's answer stays bounded.
OVER_BUDGET_ERROR_CHARS = 100
REAP_LIMIT_S = 5.0
WIPE_LIMIT_S = 5.0
CHILD_POLL_S = 0.02
PR_SET_DUMPABLE = 4
# Everything a job can write that outlives its processes (the root is read-only, ipc_mode=none leaves no /dev/shm).
WRITABLE_DIRS = ("/tmp", "/dev/mqueue")


# Bound once: verifier code commonly imports json/os/time and may patch them; the child's own reporting must not care.
_dumps, _write, _clock, _sleep, _ioctl = json.dumps, os.write, time.perf_counter, time.sleep, fcntl.ioctl
NOTHING_UNREAD = bytes(4)  # FIONREAD's answer (a C int) for an empty pipe


def _frame_body(message: object) -> bytes:
    return json.dumps(message, ensure_ascii=True, separators=(",", ":"), allow_nan=False).encode("ascii")


def encode_frame(message: object) -> bytes:
    """Serialise one message as a length-prefixed ASCII JSON frame (ASCII keeps lone surrogates and NULs intact)."""
    body = _frame_body(message)
    return HEADER.pack(len(body)) + body


def _write_frame(message: object) -> None:
    """Send a frame to the host without joining header and body: a job's answer can be tens of MiB, not worth one more
    copy. One writev, not two writes: each write can reach the host as a message of its own, and a wake-up more."""
    body = _frame_body(message)
    header = HEADER.pack(len(body))
    written = os.writev(1, [header, body])
    if written < len(header):
        _write_all(1, header[written:])
        written = len(header)
    _write_all(1, memoryview(body)[written - len(header) :])


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not allowed")


# One decoder for every result line: json.loads with an option builds a new decoder at each call (microseconds that
# every input would pay).
_parse_line = json.JSONDecoder(parse_constant=_reject_constant).decode


class Anomaly(Exception):
    """The container's state can no longer be trusted: the supervisor answers, then exits so the host recycles it."""


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[_write(fd, view) :]


def _read_exactly(fd: int, size: int) -> bytes | None:
    chunks = bytearray()
    while len(chunks) < size:
        chunk = os.read(fd, min(size - len(chunks), 1 << 20))
        if not chunk:
            return None
        chunks += chunk
    return bytes(chunks)


def _read_request() -> tuple[dict, bytes] | None:
    """The next job and its raw frame body (forwarded as-is to the job process), or None at end of input."""
    header = _read_exactly(0, HEADER.size)
    if header is None:
        return None
    (size,) = HEADER.unpack(header)
    if size > MAX_REQUEST_BYTES:
        raise Anomaly(f"request frame of {size} bytes exceeds {MAX_REQUEST_BYTES}")
    body = _read_exactly(0, size)
    if body is None:
        return None
    return json.loads(body), body


def _read_to_end(fd: int) -> bytes:
    chunks = []
    while chunk := os.read(fd, 1 << 20):
        chunks.append(chunk)
    return b"".join(chunks)


def _describe(exc: BaseException) -> str:
    """One line for an exception raised by verifier code; str() of a hostile exception may itself fail."""
    try:
        text = f"{type(exc).__name__}: {exc}"
    except BaseException:  # noqa: BLE001 - a hostile __str__ must not take the child down
        text = type(exc).__name__
    line = None
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<verifier>":
            line = tb.tb_lineno
        tb = tb.tb_next
    if line is not None:
        text += f" (verifier line {line})"
    return text[:MAX_ERROR_CHARS]


def _load_libc():
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True)
    except (ImportError, OSError):
        return None


_LIBC = _load_libc()


def _set_dumpable(flag: int) -> bool:
    return _LIBC is not None and _LIBC.prctl(PR_SET_DUMPABLE, flag, 0, 0, 0) == 0


class _Child:
    """Code that runs in the forked child, before and around the verifier code."""

    def __init__(self, nonce: str, result_fd: int, output_fd: int, config: dict) -> None:
        self.nonce, self.result_fd, self.output_fd, self.config = nonce, result_fd, output_fd, config

    def send(self, index: int, status: str, started: float, error: str | None, value_text: str | None) -> None:
        duration_ms = round((_clock() - started) * 1000.0, 3)
        line = _dumps([self.nonce, index, status, duration_ms, error, value_text], ensure_ascii=True)
        self.wait_output_read()
        _write_all(self.result_fd, line.encode("ascii") + b"\n")

    def wait_output_read(self) -> None:
        """Block until the supervisor has read every byte written to the output pipe so far.

        The output and the result pipes are read separately, so without this the output an input wrote just before
        returning could reach the supervisor after its result, and be charged to the next input or to none.
        """
        pause = 0.0001
        while True:
            try:
                if _ioctl(self.output_fd, termios.FIONREAD, NOTHING_UNREAD) == NOTHING_UNREAD:
                    return
            except OSError:  # the verifier closed our copy of the pipe: it only loses exact accounting
                return
            _sleep(pause)
            pause = min(pause * 2, 0.005)

    def isolate(self, job_fd: int) -> None:
        """Everything that does not depend on the job; a spare child does it before the job arrives."""
        os.setsid()
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        devnull = os.open("/dev/null", os.O_RDONLY)
        os.dup2(devnull, 0)
        os.dup2(self.output_fd, 1)
        os.dup2(self.output_fd, 2)
        kept = sorted((job_fd, self.result_fd, self.output_fd))
        for low, high in zip([2, *kept], [*kept, 65536]):
            os.closerange(low + 1, high)
        # Dumpable again so this child may raise its own OOM score (its /proc files are root-owned otherwise).
        _set_dumpable(1)
        try:
            with open("/proc/self/oom_score_adj", "w") as handle:
                handle.write("1000")
        except OSError:
            pass
        memory = self.config["address_space_bytes"]
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        os.environ.clear()
        os.chdir("/tmp")

    def receive(self, job_fd: int) -> None:
        """Wait for the job (`<first input index>\n<request body>`), then run it."""
        start, _, body = _read_to_end(job_fd).partition(b"\n")
        os.close(job_fd)
        self.run(json.loads(body), int(start))

    def run(self, job: dict, start: int) -> None:
        max_result = self.config["max_result_bytes"]
        started = _clock()
        namespace = {"__name__": "__verifier__", "__builtins__": builtins}
        try:
            exec(compile(job["code"], "<verifier>", "exec", dont_inherit=True), namespace)
            function = namespace.get(job["entrypoint"])
            if not callable(function):
                raise NameError(f"the code defines no function named {job['entrypoint']!r}")
        except BaseException as exc:  # noqa: BLE001 - anything the module body raises is the verifier's error
            self.send(-1, "error", started, _describe(exc), None)
            return
        self.send(-1, "ready", started, None, None)
        for index in range(start, len(job["inputs"])):
            started = _clock()
            try:
                value = function(job["inputs"][index])
            except BaseException as exc:  # noqa: BLE001
                self.send(index, "error", started, _describe(exc), None)
                continue
            try:
                text = _dumps(value, ensure_ascii=True, allow_nan=False)
            except BaseException as exc:  # noqa: BLE001
                self.send(index, "error", started, f"return value is not JSON-serialisable: {_describe(exc)}", None)
                continue
            if len(text) > max_result:
                self.send(index, "output_limit", started, f"return value exceeds {max_result} bytes as JSON", None)
            else:
                self.send(index, "ok", started, None, text)


class _Watch:
    """The supervisor's view of one child: deadlines, output cap and validation of what it reports.

    It never records more outcomes than the job has inputs: whatever happens once every input is answered (output
    of a leftover process, the child's exit) is nobody's outcome, and `clean` deals with the leftovers.
    """

    def __init__(self, supervisor: Supervisor, job: dict, start: int, nonce: str, pid: int) -> None:
        self.supervisor, self.job, self.nonce, self.pid = supervisor, job, nonce, pid
        self.next_index = start
        self.total = len(job["inputs"])
        self.results: list[list] = []
        self.loaded = False
        self.phase_started = time.monotonic()
        self.output_bytes = 0
        self.buffer = bytearray()

    def record(self, status: str, value_text: str | None, error: str | None, duration_ms: float) -> None:
        self.results.append(self.supervisor.charge(status, value_text, error, duration_ms))
        self.next_index += 1

    def fill(self, status: str, error: str) -> None:
        """Give every input not yet answered the same outcome (used when the code cannot even load)."""
        elapsed = round((time.monotonic() - self.phase_started) * 1000.0, 3)
        while not self.done:
            self.record(status, None, error, elapsed)

    def fail_current(self, status: str, error: str) -> None:
        if self.done:
            return
        if not self.loaded:
            self.fill(status, error)
            return
        self.record(status, None, error, round((time.monotonic() - self.phase_started) * 1000.0, 3))

    def accept(self, line: bytes) -> bool:
        """Record one reported line; False when the line is malformed or forged (the child is then killed)."""
        try:
            nonce, index, status, duration_ms, error, value_text = _parse_line(line.decode("ascii"))
            duration_ms = float(duration_ms) if isinstance(duration_ms, (int, float)) else math.nan
        except (ValueError, TypeError, RecursionError, OverflowError):
            return False
        expected = -1 if not self.loaded else self.next_index
        if nonce != self.nonce or index != expected or not math.isfinite(duration_ms):
            return False
        if not (error is None or isinstance(error, str)) or not (value_text is None or isinstance(value_text, str)):
            return False
        self.phase_started = time.monotonic()
        if index == -1:
            if status == "ready":
                self.loaded = True
                return True
            if status != "error":
                return False
            self.fill("error", (error or "the code failed to load")[:MAX_ERROR_CHARS])
            return True
        if status not in CHILD_STATUSES or (status == "ok") != (value_text is not None):
            return False
        if value_text is not None and len(value_text) > self.supervisor.config["max_result_bytes"]:
            return False
        self.record(status, value_text, error and error[:MAX_ERROR_CHARS], duration_ms)
        return True

    @property
    def done(self) -> bool:
        return self.next_index >= self.total

    def exited(self) -> bool:
        """Whether the child is gone (its outcome recorded). Checked by polling: a grandchild may hold its pipes."""
        try:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
        except ChildProcessError:
            pid, status = self.pid, 0
        if not pid:
            return False
        if os.WIFSIGNALED(status):
            number = os.WTERMSIG(status)
            try:
                name = signal.Signals(number).name
            except ValueError:
                name = f"signal {number}"
            hint = " (memory limit?)" if number == signal.SIGKILL else ""
            self.fail_current("killed", f"the process was killed by {name}{hint}")
        else:
            self.fail_current("error", f"the process exited with status {os.WEXITSTATUS(status)} before returning")
        return True

    def time_left(self) -> float | None:
        """Seconds until the next deadline, or None once one has passed (and its outcome is recorded)."""
        now = time.monotonic()
        timeout_s, job_deadline = self.job["timeout_s"], self.supervisor.job_deadline
        input_deadline = self.phase_started + timeout_s
        if now >= job_deadline:
            self.fill("timeout", f"the job exceeded its time limit of {self.job['job_timeout_s']:g} s")
            return None
        if now >= input_deadline:
            what = "input" if self.loaded else "module-level code"
            self.fail_current("timeout", f"the {what} exceeded the time limit of {timeout_s:g} s")
            return None
        return min(input_deadline, job_deadline) - now

    def on_output(self, data: bytes) -> bool:
        self.output_bytes += len(data)
        limit = self.supervisor.config["max_output_bytes"]
        if self.output_bytes <= limit:
            return True
        self.fail_current("output_limit", f"the code wrote more than {limit} bytes to stdout/stderr")
        return False

    def on_results(self, data: bytes) -> bool:
        self.buffer += data
        *lines, rest = self.buffer.split(b"\n")
        self.buffer = bytearray(rest)
        for line in lines:
            if self.done:
                break
            if not self.accept(line):
                self.fail_current("error", "the result channel carried a malformed or forged message")
                return False
        if len(self.buffer) > self.supervisor.config["max_result_bytes"] * 2 + 4 * MAX_ERROR_CHARS + 4096:
            self.fail_current("output_limit", "a result message exceeded the size limit")
            return False
        return True

    def watch(self, result_fd: int, output_fd: int) -> None:
        """Follow the child until every input is answered or it must be killed (the caller then kills it).

        Results are handled before output: the child reports an input only once its output has been read (see
        `_Child.wait_output_read`), so output that arrives together with a result belongs to the next input.
        """
        open_fds = [result_fd, output_fd]
        while not self.done:
            wait = self.time_left()
            if wait is None:
                return
            if result_fd not in open_fds:
                wait = min(wait, CHILD_POLL_S)
            if open_fds:
                readable = select.select(open_fds, [], [], min(wait, CHILD_POLL_S * 5))[0]
            else:
                time.sleep(wait)
                readable = []
            if (not readable or result_fd not in open_fds) and self.exited():
                return
            for fd in (result_fd, output_fd):
                if fd not in readable:
                    continue
                data = os.read(fd, 1 << 16)
                if not data:
                    open_fds.remove(fd)
                elif not (self.on_output(data) if fd == output_fd else self.on_results(data)):
                    return
                if self.done:
                    return


class _Spawned:
    """A forked job process, isolated and waiting on `job_fd` for its job (a plain class: dataclasses costs 20 ms
    of import time at every container start)."""

    def __init__(self, pid: int, nonce: str, job_fd: int, result_fd: int, output_fd: int) -> None:
        self.pid, self.nonce, self.job_fd, self.result_fd, self.output_fd = pid, nonce, job_fd, result_fd, output_fd


class Supervisor:
    """Runs jobs one at a time; see the module docstring for the isolation model."""

    def __init__(self, config: dict) -> None:
        self.config = config
        self.job_deadline = 0.0
        self.job_result_bytes = 0
        self.spare: _Spawned | None = None

    def run_job(self, job: dict, body: bytes) -> tuple[list[list], str | None]:
        """Results for every input, and why the container must be recycled (None when it may go on).

        Processes of the job's last child are left for `clean`, which runs after the response is sent.
        """
        self.job_deadline = time.monotonic() + job["job_timeout_s"]
        self.job_result_bytes = 0
        results: list[list] = []
        try:
            while len(results) < len(job["inputs"]):
                if results:
                    self._kill_all()
                results.extend(self._run_child(job, body, len(results)))
        except Anomaly as exc:
            results.extend(["killed", None, f"the sandbox failed: {exc}", 0.0] for _ in job["inputs"][len(results) :])
            return results, str(exc)
        return results, None

    def charge(self, status: str, value_text: str | None, error: str | None, duration_ms: float) -> list:
        """One input's record, held to the job's result budget.

        The supervisor holds every record of a job until it answers, and encoding the answer takes a few times its
        size, all within the container's memory: without a budget, many large results kill the supervisor and with
        it every input of the job. Past the budget an ok result becomes `output_limit` and an error keeps only the
        start of its text, so only the inputs that do not fit lose something.
        """
        budget = self.config["max_job_result_bytes"]
        size = len(value_text or "") + len(error or "")
        if self.job_result_bytes + size <= budget:
            self.job_result_bytes += size
            return [status, value_text, error, duration_ms]
        why = f"this job's results exceed {budget} bytes in total; split its inputs over several jobs"
        if status == "ok":
            return ["output_limit", None, f"the return value does not fit: {why}", duration_ms]
        return [status, None, f"{(error or '')[:OVER_BUDGET_ERROR_CHARS]} [cut: {why}]", duration_ms]

    def clean(self) -> str | None:
        """Kill the job's leftovers, undo what it left behind and fork the next spare; a reason to recycle if not."""
        try:
            self._kill_all()
            problem = self._reset()
            if problem is None:
                self.spare = self.spawn()
            return problem
        except Anomaly as exc:
            return str(exc)

    def spawn(self) -> _Spawned:
        """Fork and isolate a job process that waits for its job: done between jobs, it is off the critical path."""
        fds = [*os.pipe(), *os.pipe(), *os.pipe()]
        job_r, job_w, result_r, result_w, output_r, output_w = fds
        nonce = os.urandom(16).hex()
        try:
            pid = os.fork()
        except OSError as exc:
            for fd in fds:
                os.close(fd)
            raise Anomaly(f"cannot fork a job process: {exc}") from exc
        if pid == 0:
            try:
                child = _Child(nonce, result_w, output_w, self.config)
                child.isolate(job_r)
                child.receive(job_r)
            finally:
                os._exit(0)
        for fd in (job_r, result_w, output_w):
            os.close(fd)
        return _Spawned(pid, nonce, job_w, result_r, output_r)

    def _run_child(self, job: dict, body: bytes, start: int) -> list[list]:
        spawned, self.spare = self.spare or self.spawn(), None
        try:
            try:
                _write_all(spawned.job_fd, f"{start}\n".encode() + body)
            except OSError as exc:
                raise Anomaly(f"the job process died before its job: {exc}") from exc
            finally:
                os.close(spawned.job_fd)
            watch = _Watch(self, job, start, spawned.nonce, spawned.pid)
            watch.watch(spawned.result_fd, spawned.output_fd)
        finally:
            os.close(spawned.result_fd)
            os.close(spawned.output_fd)
        return watch.results

    def _kill_all(self) -> None:
        """SIGKILL every other process in the container (PID 1's kill(-1) spares only itself) and reap them all."""
        deadline = time.monotonic() + REAP_LIMIT_S
        pause = 0.0001
        while time.monotonic() < deadline:
            try:
                os.kill(-1, signal.SIGKILL)
            except ProcessLookupError:
                pass
            try:
                while os.waitpid(-1, os.WNOHANG)[0]:
                    pass
            except ChildProcessError:
                return
            time.sleep(pause)
            pause = min(pause * 2, 0.01)
        raise Anomaly("leftover processes survived SIGKILL")

    def _reset(self) -> str | None:
        deadline = time.monotonic() + WIPE_LIMIT_S
        for directory in WRITABLE_DIRS:
            try:
                wipe(directory, deadline)
            except FileNotFoundError:
                continue
            except (OSError, MemoryError) as exc:
                return f"cannot clean {directory}: {exc}"
        for kind in ("shm", "msg", "sem"):
            try:
                with open(f"/proc/sysvipc/{kind}") as handle:
                    if len(handle.readlines()) > 1:
                        return f"the job left System V IPC objects ({kind})"
            except OSError:
                pass
        return None


def wipe(directory: str, deadline: float) -> None:
    """Remove everything below `directory`, or raise Anomaly at `deadline`.

    A job can leave a chain of directories deeper than Python's recursion limit and than the open-file limit, and
    directories it made unreadable or read-only; so this walks down and back up through `..` holding one fd, keeps
    only names, and gives each directory back its owner's permissions (the job ran as the same user) before entering
    it. It runs only once every other process is dead, so nothing moves underneath it.
    """
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    path: list[str] = []  # names from `directory` down to where fd points
    try:
        pending = [_remove_files(fd, deadline)]  # per level: subdirectories still to remove
        while pending[-1] or path:
            if time.monotonic() > deadline:
                raise Anomaly(f"cannot wipe {directory} within {WIPE_LIMIT_S:g} s")
            if pending[-1]:
                name = pending[-1].pop()
                os.chmod(name, 0o700, dir_fd=fd)
                below = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fd)
                os.close(fd)
                fd = below
                path.append(name)
                pending.append(_remove_files(fd, deadline))
            else:
                above = os.open("..", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
                os.close(fd)
                fd = above
                os.rmdir(path.pop(), dir_fd=fd)
                pending.pop()
    finally:
        os.close(fd)


def _remove_files(fd: int, deadline: float) -> list[str]:
    """Unlink every non-directory in the directory `fd`; the names of its subdirectories."""
    with os.scandir(fd) as scan:
        entries = [(entry.name, entry.is_dir(follow_symlinks=False)) for entry in scan]
    subdirectories = []
    for count, (name, is_dir) in enumerate(entries):
        if is_dir:
            subdirectories.append(name)
            continue
        if not count % 1024 and time.monotonic() > deadline:
            raise Anomaly(f"cannot wipe a directory of {len(entries)} entries within {WIPE_LIMIT_S:g} s")
        os.unlink(name, dir_fd=fd)
    return subdirectories


def _warm_up(modules: list[str]) -> None:
    """Pay once, in the supervisor, the costs every forked job would otherwise pay again.

    Common verifier imports are imported here; a few small compiles leave the parser's memory warm (measured: the
    first compile in a child of a cold supervisor costs 2 ms more); gc.freeze keeps the garbage collector of a
    child from touching, and so copying, every inherited object.
    """
    for name in modules:
        try:
            __import__(name)
        except Exception:  # noqa: BLE001 - a missing optional module only costs the child an import
            pass
    for _ in range(10):
        compile("def evaluate(response):\n    return len(response) > 0\n", "<warm-up>", "exec", dont_inherit=True)
    gc.collect()
    gc.freeze()


def _serve_one(supervisor: Supervisor) -> str | None:
    """Run one job and answer it; a reason to stop, if any. Its locals (the job) are gone once it returns."""
    request = _read_request()
    if request is None:
        return "end of input"
    job, body = request
    results, problem = supervisor.run_job(job, body)
    _write_frame({"nonce": job["nonce"], "results": results})
    return problem


def main() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    config = json.loads(sys.argv[1])
    _warm_up(config["preload"])
    protected = _set_dumpable(0)
    supervisor = Supervisor(config)
    supervisor.spare = supervisor.spawn()
    _write_frame({"hello": PROTOCOL, "protected": protected})
    while True:
        try:
            problem = _serve_one(supervisor)
        except Anomaly as exc:
            _write_all(2, f"supervisor: {exc}\n".encode())
            return
        if problem == "end of input":
            return
        # Answer first, clean up after: the host reads the "ready" frame only when it borrows this container again,
        # so reaping, wiping /tmp and forking the next job process overlap with the host's own work.
        problem = problem or supervisor.clean()
        _write_frame({"ready": problem is None, "recycle": problem})
        if problem:
            return


if __name__ == "__main__":
    main()
