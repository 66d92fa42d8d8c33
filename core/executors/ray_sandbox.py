"""The sandbox on a Ray cluster: one warm container pool per node, shared by every actor on that node.

Containers are the expensive part of the sandbox (a fresh hardened one costs about 0.4 s), and the Docker daemon is
a per-machine resource, so each node runs one `SandboxHost` actor, named after the campaign and the node, created by
the first actor there that needs it. Agents reach it through `RemoteSandbox`, which has the `Sandbox` protocol, so
`SandboxClient` (and the `sandbox_runs` it logs) works unchanged. A node that cannot run the sandbox (no Docker
daemon, no image and no way to build it) fails its items with an error that names the node.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

from synthloom.errors import SandboxError, SynthloomError
from synthloom.executors.ray_cluster import NAMESPACE
from synthloom.executors.ray_errors import cause_of
from synthloom.sandboxing import Sandbox

HOST_THREADS = 16  # jobs a node's sandbox host runs at once (its pool queues the rest)


def host_name(campaign: str, node_id: str) -> str:
    return f"synthloom-sandbox-{campaign}-{node_id[:16]}"


class SandboxHost:
    def __init__(self, make: Callable[[], Sandbox]) -> None:
        self._make = make
        self._sandbox: Sandbox | None = None

    def start(self) -> None:
        """Start the node's sandbox (the default one builds its image when absent); errors name the node."""
        if self._sandbox is not None:
            return
        import ray

        try:
            self._sandbox = self._make()
        except SynthloomError as error:
            context = ray.get_runtime_context()
            node = f"{ray.util.get_node_ip_address()} (node {context.get_node_id()[:12]})"
            raise SandboxError(f"the sandbox cannot start on Ray node {node}: {error.message}",
                               where=f"Ray node {node}",
                               hint=error.hint or "run `synthloom sandbox build` on that node") from None

    def evaluate_many(self, jobs: list[tuple[str, list[Any]]], entrypoint: str, timeout_s: float) -> list[list[Any]]:
        assert self._sandbox is not None, "start() first"
        return self._sandbox.evaluate_many(jobs, entrypoint=entrypoint, timeout_s=timeout_s)

    def close(self) -> None:
        if self._sandbox is not None:
            self._sandbox.close()
            self._sandbox = None


class RemoteSandbox:
    """The node's `SandboxHost`, seen through the `Sandbox` protocol (blocking, thread-safe)."""

    def __init__(self, host: Any) -> None:
        self._host = host

    def evaluate_many(self, jobs: Sequence[tuple[str, Sequence[Any]]], entrypoint: str = "evaluate",
                      timeout_s: float = 5.0) -> list[list[Any]]:
        return _call(self._host.evaluate_many.remote([(code, list(inputs)) for code, inputs in jobs], entrypoint,
                                                     timeout_s))

    def close(self) -> None:
        """The host outlives each actor; the executor closes it when the run ends."""


def node_sandbox(campaign: str, make: Callable[[], Sandbox]) -> Sandbox:
    """The sandbox of the node this actor runs on (its host is created on first use)."""
    import ray
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    node_id = ray.get_runtime_context().get_node_id()
    host = ray.remote(SandboxHost).options(
        name=host_name(campaign, node_id), namespace=NAMESPACE, get_if_exists=True, lifetime="detached",
        num_cpus=0, max_concurrency=HOST_THREADS,
        scheduling_strategy=NodeAffinitySchedulingStrategy(node_id, soft=False)).remote(make)
    _call(host.start.remote())
    return RemoteSandbox(host)


def close_hosts(campaign: str) -> None:
    """Stop the sandbox host of every node (hosts are detached: they would outlive the run otherwise)."""
    import ray

    for node in ray.nodes():
        try:
            host = ray.get_actor(host_name(campaign, node["NodeID"]), namespace=NAMESPACE)
        except ValueError:
            continue
        try:
            ray.get(host.close.remote(), timeout=60)
        finally:
            ray.kill(host)


def _call(ref: Any) -> Any:
    import ray

    try:
        return ray.get(ref)
    except ray.exceptions.RayError as error:
        raise cause_of(error, "this node's sandbox host") from None
