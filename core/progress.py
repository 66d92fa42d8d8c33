"""The live panel shown while a campaign runs: one row per agent with throughput, queue, calls, cost and ETA.

It redraws from the runtime's counters on a timer instead of on every event, so that it costs nothing on the hot
path however fast agents go. Without a terminal it prints one summary line per agent every `interval_s` instead.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import Any


def _rate_per_min(count: float, elapsed: float) -> float:
    return count * 60.0 / elapsed if elapsed > 0 else 0.0


def _eta(node: Any, elapsed: float) -> str:
    stats = node.stats
    if stats.done:
        return "done"
    remaining = len(node.inbox) + stats.in_flight
    if not stats.handled or not remaining:
        return "-"
    seconds = remaining * elapsed / stats.handled
    return f"{seconds / 60:.1f}m" if seconds >= 90 else f"{seconds:.0f}s"


def rows(runtime: Any) -> list[dict[str, Any]]:
    now = time.monotonic()
    out = []
    for node in runtime.nodes.values():
        stats = node.stats
        elapsed = now - stats.started
        out.append({
            "agent": node.name, "in": stats.received, "done": stats.handled, "out": stats.produced,
            "failed": stats.failed, "queue": len(node.inbox), "busy": stats.in_flight,
            "calls/min": _rate_per_min(stats.calls, elapsed), "tok/min": _rate_per_min(stats.tokens, elapsed),
            "cost": stats.cost, "eta": _eta(node, elapsed),
        })
    return out


class ProgressPanel:
    def __init__(self, runtime: Any, interval_s: float = 0.25, plain_interval_s: float = 10.0) -> None:
        self.runtime = runtime
        self.interval_s = interval_s
        self.plain_interval_s = plain_interval_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._live: Any = None

    def _table(self) -> Any:
        from rich.table import Table

        table = Table(title=f"campaign {self.runtime.campaign.name} — {self.runtime.status}", expand=False)
        for column in ("agent", "in", "done", "out", "failed", "queue", "busy", "calls/min", "tok/min", "cost", "eta"):
            table.add_column(column, justify="left" if column == "agent" else "right")
        for row in rows(self.runtime):
            table.add_row(row["agent"], str(row["in"]), str(row["done"]), str(row["out"]), str(row["failed"]),
                          str(row["queue"]), str(row["busy"]), f"{row['calls/min']:.0f}", f"{row['tok/min']:.0f}",
                          f"${row['cost']:.4f}", row["eta"])
        return table

    def start(self) -> None:
        if sys.stderr.isatty():
            from rich.console import Console
            from rich.live import Live

            self._live = Live(self._table(), console=Console(stderr=True), refresh_per_second=4, transient=False)
            self._live.start()
        self._thread = threading.Thread(target=self._loop, daemon=True, name="synthloom-progress")
        self._thread.start()

    def _loop(self) -> None:
        interval = self.interval_s if self._live else self.plain_interval_s
        while not self._stop.wait(interval):
            if self._live:
                self._live.update(self._table())
            else:
                self._print_plain()

    def _print_plain(self) -> None:
        for row in rows(self.runtime):
            print(f"[{row['agent']}] in={row['in']} done={row['done']} out={row['out']} failed={row['failed']} "
                  f"queue={row['queue']} calls/min={row['calls/min']:.0f} eta={row['eta']}", file=sys.stderr)

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join()
        if self._live:
            self._live.update(self._table())
            self._live.stop()
