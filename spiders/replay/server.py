"""A small HTTP server on 127.0.0.1 that answers requests from a recording.

Requests arrive as ``GET /replay?url=<original URL>`` (see handler.py), or POST for SPARQL
queries (matched on the query's text, see manifest.find). The server honours ``If-None-Match`` /
``If-Modified-Since`` like the real sites, so the conditional-request logic is exercised offline
too. ``/robots.txt`` of a site allows everything unless the recording holds one. A request the
recording lists as a gap gets a 404 marked ``X-Policytrack-Replay: not-recorded``; anything else
not recorded is a plain 404, which the crawl reports as a failure. Every request is logged
(``requests``: method, original URL, Accept, start and end times) for the tests.
"""

from __future__ import annotations

import hashlib
import socket
import threading
import time
from dataclasses import dataclass
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from . import manifest

# Recordings have no server clock: every file is "last modified" at this fixed moment.
_LAST_MODIFIED = formatdate(1_700_000_000, usegmt=True)
NOT_RECORDED = "X-Policytrack-Replay"


@dataclass
class Logged:
    method: str
    url: str
    accept: str
    start: float
    end: float = 0.0
    status: int = 0
    query: str = ""  # the SPARQL query of a POST


class ReplayServer:
    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.entries = manifest.load(self.folder)
        self.requests: list[Logged] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server._answer(self, b"")

            def do_POST(self) -> None:
                server._answer(self, self.rfile.read(int(self.headers.get("Content-Length") or 0)))

            def log_message(self, *args) -> None:  # keep the crawl's output readable
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="replay-server", daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        # Always text for an AF_INET server; the stubs also allow bytes (other address families).
        if isinstance(host, bytes):
            host = host.decode()
        return f"http://{host}:{port}"

    def start(self) -> ReplayServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> ReplayServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _answer(self, h: BaseHTTPRequestHandler, body: bytes) -> None:
        original = (parse_qs(urlparse(h.path).query).get("url") or [""])[0]
        accept = h.headers.get("Accept", "")
        logged = Logged(h.command, original, accept, time.monotonic(), query=manifest.query_of(body))
        with self._lock:
            self.requests.append(logged)
        try:
            logged.status = self._respond(h, original, accept, body)
        finally:
            logged.end = time.monotonic()

    def _respond(self, h: BaseHTTPRequestHandler, original: str, accept: str, body: bytes) -> int:
        entry = manifest.find(self.entries, original, accept, body)
        if entry is None and urlparse(original).path == "/robots.txt":
            return self._send(h, 200, b"User-agent: *\nAllow: /\n", "text/plain")
        if entry is None:
            return self._send(h, 404, b"not in this recording\n", "text/plain")
        if entry.drop:
            h.close_connection = True
            h.connection.shutdown(socket.SHUT_RDWR)
            return 0
        if entry.gap:
            return self._send(
                h, 404, b"not recorded (a gap of this recording)\n", "text/plain", {NOT_RECORDED: "not-recorded"}
            )
        if entry.delay:
            time.sleep(entry.delay)
        try:
            content = manifest.body_path(self.folder, entry.file).read_bytes() if entry.file else b""
        except (OSError, ValueError):  # the file changed since the manifest was checked
            return self._send(h, 404, b"not in this recording\n", "text/plain")
        if entry.status != 200:
            return self._send(h, entry.status, content, entry.content_type, entry.headers)
        etag = '"' + hashlib.sha256(content).hexdigest()[:32] + '"'
        if h.headers.get("If-None-Match") == etag or (
            not h.headers.get("If-None-Match") and h.headers.get("If-Modified-Since") == _LAST_MODIFIED
        ):
            return self._send(h, 304, b"", entry.content_type, {"ETag": etag})
        return self._send(
            h, 200, content, entry.content_type, {"ETag": etag, "Last-Modified": _LAST_MODIFIED, **entry.headers}
        )

    @staticmethod
    def _send(
        h: BaseHTTPRequestHandler, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> int:
        h.send_response(status)
        h.send_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            h.send_header(name, value)
        if status not in (204, 304):
            h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        if status not in (204, 304):
            h.wfile.write(body)
        return status
