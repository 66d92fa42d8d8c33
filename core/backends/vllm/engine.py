"""The vLLM engine as the backend sees it: a worker process (see `worker`), started lazily, shared, shut down.

One engine per model per process: backends whose engine settings are equal (two model names of a campaign for one
model, a command's session and a campaign's, the tests' fixtures) share one `EngineProcess` through `acquire` and
`release`; the last release shuts it down. Loading takes tens of seconds (45 s for Gemma 3 270M on a 2-core CPU),
so it happens on the first batch, in the caller's worker thread, not when the backend is made.

The worker runs in a session of its own (Ctrl-C reaches the campaign, which then closes the engine in order) with
its output in a log file, whose last lines explain a failure. If it dies, the batch in flight fails with
`EngineDied`, and the next batch starts a fresh engine; a worker that cannot load the model is a `ConfigError`
naming the model.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from synthloom.backends.vllm.processes import end_session
from synthloom.errors import BackendError, ConfigError

WORKER = Path(__file__).with_name("worker.py")
LOG_TAIL_LINES = 12
CLOSE_GRACE_S = 20.0


class EngineDied(BackendError):
    """The engine's process died while it had a batch: that batch's requests fail, the next batch restarts it."""


@dataclass(frozen=True)
class EngineKey:
    """Everything that makes two engines different; backends with equal keys share one engine."""

    python: str
    model: str
    engine_args: str  # JSON, keys sorted: hashable, and what the worker receives
    env: tuple[tuple[str, str], ...]
    label: str = field(default="vllm", compare=False)  # where errors say they happened
    startup_timeout_s: float = field(default=900.0, compare=False)


class EngineProcess:
    """One worker process holding one `vllm.LLM`; `call` is thread-safe (one batch at a time)."""

    def __init__(self, key: EngineKey) -> None:
        self.key = key
        self.info: dict[str, Any] | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._to_worker: Any = None
        self._from_worker: Any = None
        self._log: Path | None = None
        self._lock = threading.Lock()
        self._busy = threading.Event()

    def ensure_started(self) -> dict[str, Any]:
        """The engine's info (`max_model_len`, `dtype`, `vllm_version`, `pid`), starting it if needed."""
        with self._lock:
            if self.info is None:
                self._start()
            assert self.info is not None
            return self.info

    def call(self, op: str, jobs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Run one batch; EngineDied if the worker died meanwhile (it restarts on the next call). A worker that
        died while idle is replaced before the batch is sent."""
        with self._lock:
            if self._process is not None and self._process.poll() is not None:
                self._reap()
            if self.info is None:
                self._start()
            self._busy.set()
            try:
                try:
                    self._to_worker.send((op, jobs))
                except OSError:
                    pass  # the worker is gone: _receive says how it ended
                status, payload = self._receive(f"a {op} batch of {len(jobs)}")
            finally:
                self._busy.clear()
        if status == "ok":
            return payload
        message = _summary(payload["message"])
        if status == "dead":
            self._reap()
            raise EngineDied(f"vLLM's engine died during a {op} batch of {len(jobs)}: {message}",
                             where=self.key.label, hint=self._log_hint())
        raise BackendError(f"vLLM failed a {op} batch of {len(jobs)}: {payload['type']}: {message}",
                           where=self.key.label, hint=self._log_hint())

    def close(self) -> None:
        """Ask the worker to shut the engine down; kill its process group if it is busy or does not exit in time."""
        process = self._process
        if process is None:
            return
        if not self._busy.is_set():
            try:
                self._to_worker.send(("close", None))
            except OSError:
                pass
        try:
            process.wait(timeout=0 if self._busy.is_set() else CLOSE_GRACE_S)
        except subprocess.TimeoutExpired:
            pass
        self._reap()
        if self._log is not None:
            self._log.unlink(missing_ok=True)
            self._log = None

    # -- internals --------------------------------------------------------------------------------------------

    def _start(self) -> None:
        from multiprocessing.connection import Connection

        parent_read, child_write = os.pipe()
        child_read, parent_write = os.pipe()
        handle, log = tempfile.mkstemp(prefix="synthloom-vllm-", suffix=".log")
        self._log = Path(log)
        try:
            self._process = subprocess.Popen(
                [self.key.python, str(WORKER), "engine", str(child_read), str(child_write)],
                pass_fds=(child_read, child_write), stdin=subprocess.DEVNULL, stdout=handle,
                stderr=subprocess.STDOUT, env={**os.environ, **dict(self.key.env)}, start_new_session=True)
        except OSError as error:
            raise ConfigError(f"cannot start vLLM's Python {self.key.python!r}: {error.strerror}",
                              where=self.key.label, hint=PYTHON_HINT) from None
        finally:
            for fd in (child_read, child_write, handle):
                os.close(fd)
        self._from_worker = Connection(parent_read, writable=False)
        self._to_worker = Connection(parent_write, readable=False)
        self._to_worker.send({"model": self.key.model, "engine_args": json.loads(self.key.engine_args)})
        try:
            status, payload = self._receive("loading the model", timeout_s=self.key.startup_timeout_s)
        except EngineDied as error:
            raise ConfigError(f"vLLM could not load model {self.key.model!r}: {error.message}",
                              where=self.key.label, hint=error.hint) from None
        if status != "ready":
            self._reap()
            raise ConfigError(f"vLLM could not load model {self.key.model!r}: {payload['type']}: "
                              f"{_summary(payload['message'])}", where=self.key.label,
                              hint=load_hint(payload["message"]) + f"; {self._log_hint()}")
        self.info = payload

    def _receive(self, doing: str, timeout_s: float | None = None) -> tuple[str, Any]:
        """The worker's next reply. vLLM may fork children that inherit the pipe, so a dead worker does not always
        close it: the worker's own exit is checked while waiting."""
        process, connection = self._process, self._from_worker
        assert process is not None and connection is not None
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        try:
            while not connection.poll(0.5):
                if process.poll() is not None:
                    raise EOFError
                if deadline is not None and time.monotonic() > deadline:
                    raise TimeoutError
            return connection.recv()
        except TimeoutError:
            cause = f"took more than {timeout_s:.0f} s"
        except (EOFError, OSError):  # the pipe closed: the worker died, or close() killed it
            cause = _exit_cause(process)
        self._reap()
        raise EngineDied(f"vLLM's engine process {cause} while {doing}", where=self.key.label,
                         hint=self._log_hint())

    def _reap(self) -> None:
        """Forget the worker; kill what is left of its process group (the worker and vLLM's engine core)."""
        process, self._process, self.info = self._process, None, None
        for connection in (self._to_worker, self._from_worker):
            if connection is not None:
                connection.close()
        self._to_worker = self._from_worker = None
        if process is not None:
            end_session(process, grace_s=5.0)

    def _log_hint(self) -> str:
        if self._log is None or not self._log.exists():
            return "see vLLM's messages above"
        lines = [line for line in self._log.read_text(errors="replace").splitlines() if line.strip()]
        tail = "\n    ".join(lines[-LOG_TAIL_LINES:])
        return f"vLLM's log is {self._log}; its last lines:\n    {tail}"


PYTHON_HINT = ("set the model's `python:` option (or SYNTHLOOM_VLLM_ENV) to an environment with vLLM: "
               "bash scripts/setup_vllm.sh makes one for CPU; on a GPU machine, pip install 'synthloom[vllm]'")


def load_hint(message: str) -> str:
    """What to do about the usual reasons vLLM refuses a model."""
    lowered = message.lower()
    if "architecture" in lowered and "not supported" in lowered:
        return "vLLM does not implement this architecture: use the transformers backend for this model"
    if "gguf" in lowered or "tokenizer" in lowered:
        return "a GGUF file needs the original model's tokenizer: set the `tokenizer:` option to its folder"
    if "no module named" in lowered or "cannot import" in lowered:
        return PYTHON_HINT
    return "check that the model folder holds a Hugging Face checkpoint (config.json, weights, tokenizer)"


def _exit_cause(process: subprocess.Popen[bytes]) -> str:
    """How the worker ended, once it has (the pipe can close a moment before the exit status is there)."""
    try:
        code = process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        return "closed its pipe"
    if code < 0:
        return f"was killed by {signal.Signals(-code).name}"
    return f"exited with code {code}"


def _summary(message: str, limit: int = 600) -> str:
    """The gist of an error message: its first lines (a pydantic error's detail is on the second), without
    pydantic's links, cut at `limit` characters (vLLM lists every architecture it supports)."""
    lines = [line.strip() for line in message.strip().splitlines()
             if line.strip() and not line.strip().startswith("For further information")]
    text = " ".join(lines[:3]) or "(no message)"
    return text if len(text) <= limit else text[:limit] + "..."


@dataclass
class _Shared:
    engine: EngineProcess
    users: int = 0


_ENGINES: dict[EngineKey, _Shared] = {}
_ENGINES_LOCK = threading.Lock()


def acquire(key: EngineKey) -> EngineProcess:
    """The process's engine for `key`, made (not started) on first use."""
    with _ENGINES_LOCK:
        shared = _ENGINES.setdefault(key, _Shared(EngineProcess(key)))
        shared.users += 1
        return shared.engine


def release(engine: EngineProcess) -> None:
    """One user fewer; the last one shuts the engine down."""
    with _ENGINES_LOCK:
        shared = _ENGINES.get(engine.key)
        if shared is None or shared.engine is not engine:
            return
        shared.users -= 1
        if shared.users > 0:
            return
        del _ENGINES[engine.key]
    engine.close()
