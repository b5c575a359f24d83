"""A small HTTP server on 127.0.0.1 that answers requests from a recording.

Requests arrive as ``GET /replay?url=<original URL>`` (see handler.py), or POST for SPARQL
queries, whose body is not matched. The server honours
``If-None-Match`` / ``If-Modified-Since`` like the real sites, so the conditional-request logic is
exercised offline too. ``/robots.txt`` of every site allows everything: the recording holds no
robots files. Anything not recorded is a 404, which the crawl reports as a failure.
"""

from __future__ import annotations

import hashlib
import threading
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from . import manifest

# Recordings have no server clock: every file is "last modified" at this fixed moment.
_LAST_MODIFIED = formatdate(1_700_000_000, usegmt=True)


class ReplayServer:
    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.entries = manifest.load(self.folder)
        self.requests: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server._answer(self)

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                server._answer(self)

            def log_message(self, *args) -> None:  # keep the crawl's output readable
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
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

    def _answer(self, h: BaseHTTPRequestHandler) -> None:
        original = (parse_qs(urlparse(h.path).query).get("url") or [""])[0]
        self.requests.append(original)
        if urlparse(original).path == "/robots.txt":
            return self._send(h, 200, b"User-agent: *\nAllow: /\n", "text/plain")
        notice = manifest.notice_of(h.headers.get("Accept", ""))
        entry = None
        for url in (original, original.split("?", 1)[0]):
            entry = self.entries.get((url, notice)) or self.entries.get((url, ""))
            if entry is not None and (url == original or entry.any_query):
                break
            entry = None
        if entry is None:
            return self._send(h, 404, b"not in this recording\n", "text/plain")
        body = (self.folder / entry.file).read_bytes()
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        if h.headers.get("If-None-Match") == etag or (
            not h.headers.get("If-None-Match") and h.headers.get("If-Modified-Since") == _LAST_MODIFIED
        ):
            return self._send(h, 304, b"", entry.content_type, etag)
        self._send(h, 200, body, entry.content_type, etag)

    @staticmethod
    def _send(h: BaseHTTPRequestHandler, status: int, body: bytes, content_type: str, etag: str = "") -> None:
        h.send_response(status)
        h.send_header("Content-Type", content_type)
        if etag:
            h.send_header("ETag", etag)
            h.send_header("Last-Modified", _LAST_MODIFIED)
        if status != 304:
            h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        if status != 304:
            h.wfile.write(body)
