"""A fixed number of warm containers shared by threads, replaced when broken, and reaped when their owner died."""

from __future__ import annotations

import contextlib
import os
import queue
import secrets
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

from synthloom.sandbox.container import ContainerBroken, SandboxContainer
from synthloom.sandbox.daemon import is_missing
from synthloom.sandbox.limits import LABEL, OWNER_LABEL, SandboxLimits, owner_id, process_start_ticks


class ContainerPool:
    """`size` slots, each holding a warm container or None (started on demand, so a failed restart never starves)."""

    def __init__(self, api, image: str, limits: SandboxLimits, size: int, *, runtime: str | None,
                 preload: tuple[str, ...]) -> None:
        self.api, self.image, self.limits, self.runtime, self.preload = api, image, limits, runtime, preload
        self.pool_id = secrets.token_hex(6)
        self.owner = owner_id()
        self._slots: queue.Queue[SandboxContainer | None] = queue.Queue()
        self._live: set[SandboxContainer] = set()
        self._lock = threading.Lock()
        with ThreadPoolExecutor(max_workers=size) as starter:
            started = list(starter.map(lambda _: self._try_start(), range(size)))
        errors = [item for item in started if isinstance(item, BaseException)]
        if errors:
            self.close()
            raise errors[0]
        for container in started:
            self._slots.put(container)

    def _try_start(self) -> SandboxContainer | BaseException:
        try:
            return self._start()
        except BaseException as exc:  # noqa: BLE001 - re-raised by the caller after cleaning up the others
            return exc

    def _start(self) -> SandboxContainer:
        container = SandboxContainer(self.api, self.image, self.limits, pool_id=self.pool_id, owner=self.owner,
                                     runtime=self.runtime, preload=self.preload)
        with self._lock:
            self._live.add(container)
        return container

    def _discard(self, container: SandboxContainer) -> None:
        with self._lock:
            self._live.discard(container)
        container.close()

    @contextlib.contextmanager
    def container(self) -> Iterator[SandboxContainer]:
        """Borrow a container; when the body marks it broken (`recycle_reason`) or raises, it is replaced."""
        slot = self._slots.get()
        try:
            if slot is not None:
                try:
                    slot.wait_ready()
                except ContainerBroken:
                    self._discard(slot)
                    slot = None
            if slot is None:
                slot = self._start()
            yield slot
        except BaseException:
            if slot is not None:
                self._discard(slot)
                slot = None
            raise
        finally:
            if slot is not None and slot.recycle_reason:
                self._discard(slot)
                slot = None
            self._slots.put(slot)

    def close(self) -> None:
        with self._lock:
            live, self._live = list(self._live), set()
        with ThreadPoolExecutor(max_workers=max(1, len(live))) as closer:
            list(closer.map(SandboxContainer.close, live))


def reap_orphans(api) -> list[str]:
    """Remove sandbox containers whose owning process on this host is gone (a crashed or SIGKILLed client)."""
    reaped = []
    for info in api.containers(all=True, filters={"label": f"{LABEL}=1"}):
        owner = info.get("Labels", {}).get(OWNER_LABEL, "")
        if not owner_is_dead(owner):
            continue
        try:
            api.remove_container(info["Id"], force=True)
        except Exception as exc:  # noqa: BLE001
            if not is_missing(exc):
                raise
        reaped.append(info["Id"])
    return reaped


def owner_is_dead(owner: str) -> bool:
    host, _, rest = owner.partition("/")
    pid_text, _, ticks = rest.partition("/")
    if host != os.uname().nodename or not pid_text.isdigit():
        return False  # another machine's container, or not ours to judge
    pid = int(pid_text)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        pass
    return process_start_ticks(pid) != ticks
