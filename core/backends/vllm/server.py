"""vLLM's OpenAI-compatible server for a model spec, on 127.0.0.1: what `synthloom models serve` runs.

The server comes from the same environment and with the same engine settings (options, CPU defaults) as the
offline backend's engine, so a campaign can switch between `{backend: vllm, model: M}` and `{backend: litellm,
model: hosted_vllm/NAME, api_base: URL}` and get the same model. It runs in a session of its own, so that stopping
it ends vLLM's engine process too.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import IO, Any

from synthloom.backends.base import ModelSpec
from synthloom.backends.embedded import resolve_model_path
from synthloom.backends.options import parse_options
from synthloom.backends.vllm.engine import WORKER
from synthloom.backends.vllm.interpreter import engine_python
from synthloom.backends.vllm.options import VLLMOptions, engine_args, engine_env
from synthloom.backends.vllm.processes import end_session
from synthloom.errors import ConfigError

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def served_name(model: str) -> str:
    """The name clients use (`hosted_vllm/NAME`): `embedded`, a hub id as written, a folder's own name."""
    return Path(model).name if model.startswith(("/", ".", "~")) else model


class VLLMServer:
    """`start()`, then `wait_ready()`; `stop()` ends the server and its engine. `url` is the `/v1` base."""

    def __init__(self, spec: ModelSpec, *, port: int = 8000, name: str | None = None,
                 extra_flags: tuple[str, ...] = ()) -> None:
        self.options = parse_options(VLLMOptions, spec)
        self.model = spec.model
        self.name = name or served_name(spec.model)
        self.port = port or free_port()
        self.url = f"http://{HOST}:{self.port}/v1"
        self.extra_flags = extra_flags
        self.process: subprocess.Popen[bytes] | None = None

    def command(self) -> list[str]:
        python = engine_python(self.options.python, where=f"vllm:{self.model}")
        return [python, str(WORKER), "server", resolve_model_path(self.model), json.dumps(engine_args(self.options)),
                "--host", HOST, "--port", str(self.port), "--served-model-name", self.name, *self.extra_flags]

    def start(self, output: IO[Any] | None = None) -> "VLLMServer":
        """Start the server; its messages go to `output` (a file), else to this process's stderr, so that stdout
        carries only what `synthloom models serve` prints."""
        self.process = subprocess.Popen(self.command(), env={**os.environ, **engine_env(self.options)},
                                        stdin=subprocess.DEVNULL, stdout=output or sys.stderr,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        return self

    def wait_ready(self, timeout_s: float = 900.0) -> None:
        """Until `/health` answers 200; ConfigError if the server exits or takes longer than `timeout_s`."""
        assert self.process is not None
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            code = self.process.poll()
            if code is not None:
                raise ConfigError(f"vLLM's server for {self.model!r} exited with code {code} before it was ready",
                                  where=f"vllm:{self.model}", hint="its messages above say why")
            try:
                with urllib.request.urlopen(f"http://{HOST}:{self.port}/health", timeout=2) as reply:
                    if reply.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(1.0)
        self.stop()
        raise ConfigError(f"vLLM's server for {self.model!r} was not ready after {timeout_s:.0f} s",
                          where=f"vllm:{self.model}")

    def campaign_spec(self) -> dict[str, str]:
        """The model entry of a campaign that uses this server."""
        return {"backend": "litellm", "model": f"hosted_vllm/{self.name}", "api_base": self.url}

    def wait(self) -> int:
        assert self.process is not None
        return self.process.wait()

    def stop(self, grace_s: float = 30.0) -> None:
        """SIGTERM to the server's session (vLLM shuts down in order), SIGKILL after `grace_s`."""
        if self.process is not None:
            end_session(self.process, grace_s)
            self.process = None
