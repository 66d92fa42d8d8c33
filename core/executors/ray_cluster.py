"""The Ray cluster a campaign runs on: a running one, reached by address, or a local one started for the run.

A local cluster is made as private as Ray allows: every process binds to the loopback interface (Ray advertises and
binds the node's routable address unless told that it is not a cluster, which `RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0`
does), token authentication is on (Ray 2.60's default for a new local cluster: a token in ~/.ray/auth_token; only
RAY_AUTH_MODE=disabled in the environment turns it off), and no dashboard runs. docs/scale.md lists the ports a
real cluster must firewall.

An address is checked with a plain TCP connection before Ray is asked to connect, because Ray retries an
unreachable address for a long time and then fails with a message about its internals; the user gets a one-line
error instead, before the store is created or anything is started.
"""

from __future__ import annotations

import contextlib
import os
import socket
from typing import Any, Iterator

from synthloom.errors import ConfigError
from synthloom.executors.spec import ExecutorSpec

NAMESPACE = "synthloom"  # named actors (the per-node sandboxes) are found across drivers of the same cluster
CONNECT_TIMEOUT_S = 5.0
DEFAULT_PORT = 6379
LOCAL_ENV = {"RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0", "RAY_USAGE_STATS_ENABLED": "0"}


@contextlib.contextmanager
def cluster_session(spec: ExecutorSpec) -> Iterator[None]:
    """Connect to the cluster for the run (or start a local one) and disconnect afterwards; a process that is
    already connected (a notebook, a test) keeps its connection."""
    if _ray_initialized():
        yield
        return
    if spec.address:
        connect(spec.address)
    else:
        start_local(spec.num_cpus)
    ray = import_ray()
    try:
        yield
    finally:
        ray.shutdown()


def _ray_initialized() -> bool:
    import sys

    ray = sys.modules.get("ray")
    return bool(ray and ray.is_initialized())


def start_local(num_cpus: int | None) -> str:
    """Start a private local cluster for this process; its GCS address (other drivers may join it).

    Ray reads whether it may bind the loopback interface when it is imported: a process that imported Ray before
    (a notebook) gets a cluster on the machine's address, still behind token authentication."""
    with _environment(LOCAL_ENV):
        context = import_ray().init(num_cpus=num_cpus, include_dashboard=False, namespace=NAMESPACE,
                                    configure_logging=False)
    return context.address_info["gcs_address"]


def connect(address: str) -> None:
    """Join a running cluster, or say clearly why not (nothing is started either way).

    Ray sends a token to a cluster given by address only when told to (RAY_AUTH_MODE=token): it is told, unless the
    environment says otherwise. A loopback address is a cluster on this machine, joined with its local settings
    (else Ray turns 127.0.0.1 into the machine's address, where nothing listens)."""
    settings = {} if "RAY_AUTH_MODE" in os.environ else {"RAY_AUTH_MODE": "token"}
    if address != "auto":
        check_reachable(address)
        if _is_loopback(parse_address(address)[0]):
            settings.update(LOCAL_ENV)
    with _environment(settings):
        ray = import_ray()
        try:
            ray.init(address=address, namespace=NAMESPACE, configure_logging=False)
        except (ConnectionError, RuntimeError, ValueError) as error:
            raise ConfigError(f"cannot join the Ray cluster at {address!r}: {str(error).splitlines()[0]}",
                              where="executor address",
                              hint="check the address (`ray status` on the head prints it); the cluster uses token "
                                   "authentication: set RAY_AUTH_TOKEN, or copy the head's ~/.ray/auth_token") from None


@contextlib.contextmanager
def _environment(settings: dict[str, str]) -> Iterator[None]:
    """Ray reads these when it is imported and when it starts: set them for that moment only."""
    previous = {key: os.environ.get(key) for key in settings}
    os.environ.update(settings)
    try:
        yield
    finally:
        for key, value in previous.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _is_loopback(host: str) -> bool:
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise ConfigError("the Ray executor needs Ray, which is not installed", where="executor",
                          hint="pip install 'synthloom[ray]' (Ray 2.60 with ray[data])") from None
    return ray


def check_reachable(address: str) -> None:
    host, port = parse_address(address)
    try:
        with socket.create_connection((host, port), timeout=CONNECT_TIMEOUT_S):
            pass
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise ConfigError(f"cannot reach the Ray cluster at {address!r}: {reason}", where="executor address",
                          hint="start it there (`ray start --head`), check the address and that this machine may "
                               "reach its port; without an address a local cluster is started") from None


def parse_address(address: str) -> tuple[str, int]:
    """`host:port`, `ray://host:port` or `host` (port 6379)."""
    bare = address.removeprefix("ray://")
    host, _, port = bare.rpartition(":") if ":" in bare else (bare, "", str(DEFAULT_PORT))
    if not host or not port.isdigit():
        raise ConfigError(f"not a Ray cluster address: {address!r}", where="executor address",
                          hint="give HOST:PORT of the cluster's head (for example 10.0.0.1:6379), or 'auto'")
    return host.strip("[]"), int(port)
