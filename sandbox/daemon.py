"""Connecting to the Docker daemon, with the `docker` SDK imported only when a sandbox is actually used."""

from __future__ import annotations

from synthloom.errors import SandboxError

FIX_DAEMON = "start Docker (as root: scripts/ensure_docker.sh), then run `synthloom sandbox doctor`"


def connect(timeout_s: float = 30.0):
    """A low-level `docker.APIClient` that answered a ping."""
    try:
        import docker
    except ImportError as exc:
        raise SandboxError("the `docker` Python package is not installed", hint="pip install docker") from exc
    try:
        client = docker.from_env(timeout=int(timeout_s))
        client.ping()
    except docker.errors.DockerException as exc:
        raise SandboxError(f"cannot reach the Docker daemon: {exc}", where="DOCKER_HOST", hint=FIX_DAEMON) from exc
    return client.api


def is_missing(exc: BaseException) -> bool:
    """Whether a Docker API error only says the object is gone (or already being removed)."""
    import docker

    if isinstance(exc, docker.errors.NotFound):
        return True
    return isinstance(exc, docker.errors.APIError) and exc.status_code == 409 and "in progress" in str(exc)
