"""`synthloom view`: the report's pages served on 127.0.0.1, rebuilt from the store when it changes.

The page asks `fragment?since=VERSION` every few seconds; VERSION is the store file's size and modification time,
which change with every flush of the campaign's writer. An unchanged store answers 204 and costs nothing; a changed
one is read again (each section through its own short read-only connection, so the writer is never held up for long,
and at most a quarter of the time) and the new `<main>` is sent. Only GET is served, only on the loopback address,
and only to requests that name this server as their Host (a page elsewhere cannot read it through DNS rebinding).
"""

from __future__ import annotations

import errno
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from synthloom.errors import ConfigError
from synthloom.report.build import Report
from synthloom.report.page import Page, document, main_html
from synthloom.report.static import plotly_js

HOST = "127.0.0.1"


def store_version(paths: list[Path]) -> str:
    """Changes whenever a store (or its write-ahead log) is written."""
    parts = []
    for path in paths:
        for candidate in (path, path.with_name(path.name + ".wal")):
            if candidate.exists():
                stat = candidate.stat()
                parts.append(f"{stat.st_size}-{stat.st_mtime_ns}")
    return ".".join(parts)


class LiveReport:
    """The latest page of a report, rebuilt when a store changed, and at most a quarter of the time: after a build
    that took T seconds the next waits 3 T, so that a large store is not read without pause while a campaign writes."""

    IDLE_FACTOR = 3

    def __init__(self, report: Report) -> None:
        self.report = report
        self._lock = threading.Lock()
        self._version = ""
        self._page: Page | None = None
        self._next_build = 0.0

    def current(self) -> tuple[str, Page]:
        with self._lock:
            version = store_version([source.store for source in self.report.sources])
            stale = version != self._version and time.monotonic() >= self._next_build
            if self._page is None or stale:
                started = time.monotonic()
                self._page, self._version = self.report.page(), version
                self._next_build = time.monotonic() + self.IDLE_FACTOR * (time.monotonic() - started)
            return self._version, self._page


def _handler(live: LiveReport, interval_s: float, allowed_hosts: set[str]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "synthloom-view"

        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            if self.headers.get("Host", "") not in allowed_hosts:
                self._send(HTTPStatus.FORBIDDEN, b"unknown Host", "text/plain")
                return
            url = urlsplit(self.path)
            if url.path == "/":
                version, page = live.current()
                body = document(page, live_interval_s=interval_s, version=version)
                self._send(HTTPStatus.OK, body.encode(), "text/html; charset=utf-8")
            elif url.path == "/fragment":
                since = parse_qs(url.query).get("since", [""])[0]
                version, page = live.current()
                if version == since:
                    self._send(HTTPStatus.NO_CONTENT, b"", "text/plain")
                else:
                    self._send(HTTPStatus.OK, main_html(page).encode(), "text/html; charset=utf-8",
                               {"X-Report-Version": version})
            elif url.path == "/static/plotly.min.js":
                self._send(HTTPStatus.OK, plotly_js().encode(), "text/javascript; charset=utf-8",
                           {"Cache-Control": "max-age=86400"})
            else:
                self._send(HTTPStatus.NOT_FOUND, b"not found", "text/plain")

        def _send(self, status: HTTPStatus, body: bytes, content_type: str,
                  headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("X-Content-Type-Options", "nosniff")
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            if status != HTTPStatus.NO_CONTENT:
                self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


def serve(report: Report, port: int, interval_s: float) -> ThreadingHTTPServer:
    """A server bound to 127.0.0.1:`port` (0: any free port), not yet serving; a taken port is a clear error."""
    live = LiveReport(report)
    hosts: set[str] = set()
    try:
        server = ThreadingHTTPServer((HOST, port), _handler(live, interval_s, hosts))
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise ConfigError(f"port {port} on {HOST} is already taken by another program",
                              hint="choose another with --port, or --port 0 for any free port") from None
        raise ConfigError(f"cannot listen on {HOST}:{port}: {error.strerror}", hint="choose another --port") from None
    bound = server.server_address[1]
    hosts.update({f"{HOST}:{bound}", f"localhost:{bound}"})
    server.daemon_threads = True
    try:
        live.current()
    except BaseException:
        server.server_close()
        raise
    return server
