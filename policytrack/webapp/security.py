"""Pure ASGI middleware in front of every route, static files and error pages included:

- security headers: a strict Content-Security-Policy (no script at all: the app needs none),
  no framing, no MIME sniffing, no Referer (links carry signed tokens), HSTS over https;
- size limits: a query string over ``MAX_QUERY_STRING`` bytes answers 414, a body over
  ``max_body`` bytes answers 413 (by its Content-Length at once; a body that streams in past
  it raises ``BodyTooLarge``, which the app's error handler turns into the same 413);
- ``Server-Timing: app;dur=<ms>``: the time from the request reaching the app to its answer's
  headers, which the load benchmark reads (``benchmarks/bench_app.py``), with the steps a route
  timed in ``scope[TIMING]`` (a search: ``wait`` for a free backend, ``search``).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from .errors import WebappError

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

MAX_QUERY_STRING = 4096
TIMING = "policytrack.timing"  # scope key: {step: ms} for Server-Timing
CSP = (
    "default-src 'self'; script-src 'none'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'; img-src 'self'; style-src 'self'"
)
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
]
HSTS = (b"strict-transport-security", b"max-age=31536000")


class BodyTooLarge(WebappError):
    """Raised while a body streams in past the limit; the app's error handler answers 413."""

    status = 413


async def _plain(send: Send, status: int, text: str) -> None:
    body = text.encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                *HEADERS,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class Guard:
    def __init__(self, app: ASGIApp, *, max_body: int) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        if len(scope.get("query_string", b"")) > MAX_QUERY_STRING:
            await _plain(send, 414, f"The address is too long (more than {MAX_QUERY_STRING} bytes of query).\n")
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None:
            try:
                too_big = int(declared) > self.max_body
            except ValueError:
                await _plain(send, 400, "Content-Length is not a number.\n")
                return
            if too_big:
                await _plain(send, 413, f"The request body is larger than {self.max_body} bytes.\n")
                return
        extra = [*HEADERS, HSTS] if scope.get("scheme") == "https" else HEADERS
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    raise BodyTooLarge(f"The request body is larger than {self.max_body} bytes.")
            return message

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                took = (time.perf_counter() - started) * 1000
                steps = "".join(f", {name};dur={ms:.2f}" for name, ms in scope.get(TIMING, {}).items())
                message["headers"] = [
                    *message.get("headers", []),
                    *extra,
                    (b"server-timing", f"app;dur={took:.2f}{steps}".encode()),
                ]
            await send(message)

        await self.app(scope, limited_receive, send_with_headers)
