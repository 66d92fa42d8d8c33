"""One warm container: its supervisor started, attached over the Docker stream, answering one job at a time."""

from __future__ import annotations

import json
import pathlib
import secrets
import socket
import struct
import time

from synthloom.errors import SandboxError
from synthloom.sandbox.daemon import is_missing
from synthloom.sandbox.limits import LABEL, OWNER_LABEL, POOL_LABEL, SANDBOX_UID, SandboxLimits, host_config
from synthloom.sandbox.supervisor import HEADER, PROTOCOL, encode_frame

SUPERVISOR_SOURCE = (pathlib.Path(__file__).parent / "supervisor.py").read_text()
READY_TIMEOUT_S = 30.0
MAX_RESPONSE_BYTES = 512 * 1024 * 1024
DOCKER_STREAM_HEADER = struct.Struct(">BxxxL")
STDERR_TAIL_BYTES = 4096
FIX_START = "run `synthloom sandbox doctor`; a custom image needs python3 >= 3.11 on its PATH"
# Docker gives PID 1 an environment (PATH, HOSTNAME, HOME, the image's ENV) that /proc/<pid>/environ shows in every
# process forked from it, whatever os.environ says later; only an exec replaces that block. So the container starts
# this bootstrap, which execs the supervisor with an empty one (about 25 ms at each container start). -u: a job's
# prints reach the output pipe as they happen and count against the input that printed them, not a later one.
BOOTSTRAP = "import os, sys; os.execve(sys.executable, [sys.executable, '-I', '-u', '-c', *sys.argv[1:]], {})"


class ContainerBroken(Exception):
    """The container cannot serve another job (its supervisor exited, stalled or broke the protocol)."""


class _AttachStream:
    """Demultiplexes Docker's attach stream (8-byte headers) into the supervisor's stdout frames and stderr tail."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.raw = bytearray()
        self.stdout = bytearray()
        self.stderr_tail = b""

    def read_frame(self, deadline: float) -> dict:
        while True:
            if len(self.stdout) >= HEADER.size:
                (size,) = HEADER.unpack_from(self.stdout)
                if size > MAX_RESPONSE_BYTES:
                    raise ContainerBroken(f"the supervisor announced a {size}-byte frame")
                if len(self.stdout) >= HEADER.size + size:
                    body = bytes(self.stdout[HEADER.size : HEADER.size + size])
                    del self.stdout[: HEADER.size + size]
                    try:
                        return json.loads(body)
                    except ValueError as exc:
                        raise ContainerBroken(f"the supervisor sent invalid JSON: {exc}") from exc
            self._receive(deadline)

    def _receive(self, deadline: float) -> None:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise ContainerBroken("the supervisor did not answer in time")
        self.sock.settimeout(remaining)
        try:
            data = self.sock.recv(1 << 20)
        except (socket.timeout, TimeoutError) as exc:
            raise ContainerBroken("the supervisor did not answer in time") from exc
        except OSError as exc:
            raise ContainerBroken(f"the attach stream failed: {exc}") from exc
        if not data:
            detail = self.stderr_tail.decode(errors="replace").strip()
            raise ContainerBroken("the supervisor exited" + (f": {detail[-500:]}" if detail else ""))
        self.raw += data
        while len(self.raw) >= DOCKER_STREAM_HEADER.size:
            stream, size = DOCKER_STREAM_HEADER.unpack_from(self.raw)
            end = DOCKER_STREAM_HEADER.size + size
            if len(self.raw) < end:
                break
            payload = self.raw[DOCKER_STREAM_HEADER.size : end]
            if stream == 1:
                self.stdout += payload
            else:
                self.stderr_tail = (self.stderr_tail + bytes(payload))[-STDERR_TAIL_BYTES:]
            del self.raw[:end]

    def send(self, data: bytes, deadline: float) -> None:
        self.sock.settimeout(max(deadline - time.monotonic(), 0.001))
        try:
            self.sock.sendall(data)
        except OSError as exc:
            raise ContainerBroken(f"cannot send the job to the supervisor: {exc}") from exc


class SandboxContainer:
    """A started container whose supervisor said hello; `run` sends one job and waits for its results."""

    def __init__(self, api, image: str, limits: SandboxLimits, *, pool_id: str, owner: str,
                 runtime: str | None, preload: tuple[str, ...]) -> None:
        import docker

        self.api = api
        config = json.dumps(limits.supervisor_config(preload))
        try:
            created = api.create_container(
                image,
                command=["python3", "-I", "-c", BOOTSTRAP, SUPERVISOR_SOURCE, config],
                user=f"{SANDBOX_UID}:{SANDBOX_UID}",
                working_dir="/tmp",
                environment={},
                hostname="sandbox",
                stdin_open=True,  # with detach=False this also sets StdinOnce: our disconnect is the supervisor's EOF
                detach=False,
                labels={LABEL: "1", OWNER_LABEL: owner, POOL_LABEL: pool_id},
                host_config=host_config(api, limits, runtime),
            )
        except docker.errors.DockerException as exc:
            raise SandboxError(f"cannot create a sandbox container from {image}: {exc}", hint=FIX_START) from exc
        self.id: str = created["Id"]
        self.recycle_reason: str | None = None
        try:
            self._response = api.attach_socket(self.id, params={"stdin": 1, "stdout": 1, "stderr": 1, "stream": 1})
            self.stream = _AttachStream(getattr(self._response, "_sock", self._response))
            api.start(self.id)
            hello = self.stream.read_frame(time.monotonic() + READY_TIMEOUT_S)
            if hello.get("hello") != PROTOCOL:
                raise ContainerBroken(f"unexpected hello from the supervisor: {str(hello)[:200]}")
            if hello.get("protected") is not True:
                # Without it, job code could open /proc/1/fd/1 and write frames to the host.
                raise ContainerBroken("the supervisor cannot make itself non-dumpable (no ctypes in the image)")
            self.ready_pending = False
        except BaseException as exc:
            self.close()
            if isinstance(exc, (ContainerBroken, docker.errors.DockerException)):
                raise SandboxError(f"a sandbox container did not start: {exc}", hint=FIX_START) from exc
            raise

    def run(self, job: dict, wait_s: float) -> list:
        """Send a job and return its result records; raises ContainerBroken when the container must be replaced."""
        self.wait_ready()
        nonce = secrets.token_hex(16)
        deadline = time.monotonic() + wait_s
        self.stream.send(encode_frame({**job, "nonce": nonce}), deadline)
        response = self.stream.read_frame(deadline)
        results = response.get("results")
        if response.get("nonce") != nonce or not isinstance(results, list) or len(results) != len(job["inputs"]):
            raise ContainerBroken("the supervisor's response does not match the job")
        self.ready_pending = True
        return results

    def wait_ready(self) -> None:
        """Wait until the previous job's leftovers are reaped; raises ContainerBroken when the container must go."""
        if not self.ready_pending:
            return
        frame = self.stream.read_frame(time.monotonic() + READY_TIMEOUT_S)
        if frame.get("ready") is not True:
            self.recycle_reason = str(frame.get("recycle") or "the supervisor did not report ready")
            raise ContainerBroken(self.recycle_reason)
        self.ready_pending = False

    def close(self) -> None:
        """Disconnect (the supervisor sees EOF and the container auto-removes) and force the removal to be sure."""
        stream = getattr(self, "stream", None)
        if stream is not None:
            try:
                stream.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            stream.sock.close()
        try:
            self.api.remove_container(self.id, force=True)
        except Exception as exc:  # noqa: BLE001 - checked right below
            if not is_missing(exc):
                raise
