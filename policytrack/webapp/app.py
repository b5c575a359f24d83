"""``create_app(services)``: the Starlette application behind ``policytrack serve``.

Routes (all also under the proxy's root path, when there is one):

    GET  /  and /search        search page (HTML)         GET  /search.json|.atom|.csv
    GET  /subscribe  POST /subscribe                      GET|POST /confirm
    GET  /preferences  POST /preferences  POST /preferences/link  POST /signout
    GET  /save  POST /save                                GET|POST /unsubscribe (and /unsubscribe/)
    GET  /static/…  (the site's stylesheet and icon)      GET  /healthz

Middleware, outermost first: ``Guard`` (security headers, size limits, Server-Timing), then
the session cookie. Errors of the app's family become a page (or JSON for ``.json``) with
their status; 429 carries Retry-After.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ..resources import site_dir
from . import search_views as search
from . import subscription_views as subs
from . import unsubscribe_views as unsub
from .app_state import State, state_of
from .errors import TooManyRequests, WebappError
from .mail import Mail
from .ratelimit import Limits
from .render import Pages
from .security import Guard
from .services import BackendPool, Services

SESSION_HOURS = 12


def _check(services: Services) -> None:
    s = services.settings
    if not s.digest.secret:
        raise WebappError(
            "digest.secret is not set: set POLICYTRACK_DIGEST_SECRET (it signs the app's links, forms and sessions)"
        )
    app = s.app
    for name in ("confirm_hours", "preferences_hours", "max_query_chars", "max_body_bytes", "search_connections"):
        if getattr(app, name) < 1:
            raise WebappError(f"app.{name} must be 1 or more, got {getattr(app, name)}")
    for name in ("search_per_minute", "subscribe_per_hour"):
        if getattr(app, name) < 0:
            raise WebappError(f"app.{name} must be 0 (no limit) or more, got {getattr(app, name)}")


async def _error(request: Request, exc: Exception) -> Response:
    status = exc.status if isinstance(exc, WebappError) else getattr(exc, "status_code", 500)
    message = str(exc) if isinstance(exc, WebappError) else str(getattr(exc, "detail", "")) or "Error"
    headers = {"retry-after": str(exc.retry_after)} if isinstance(exc, TooManyRequests) else {}
    path = request.url.path
    if path.endswith(".json"):
        return JSONResponse({"error": message}, status_code=status, headers=headers)
    if path.endswith((".atom", ".csv")) or status == 405:
        return PlainTextResponse(message + "\n", status_code=status, headers=headers)
    return state_of(request).pages.render(
        request,
        "app/message.html",
        title="Error",
        status=status,
        headers=headers,
        private=True,
        heading={404: "Page not found", 429: "Slow down"}.get(status, "Something is wrong with this request"),
        message=message if status != 404 else "There is no such page in the search app.",
        again=None,
    )


async def healthz(request: Request) -> Response:
    return PlainTextResponse("ok\n")


def _session_key(secret: str) -> str:
    # A key of its own for Starlette's session signer, derived from the one secret.
    return hmac.new(secret.encode(), b"policytrack.session", hashlib.sha256).hexdigest()


def create_app(services: Services, *, templates: Path | None = None, static: Path | None = None) -> Starlette:
    """The app over ``services``; search backends open at start-up (lifespan) and close at exit."""
    _check(services)
    settings = services.settings
    folder = site_dir()
    templates = templates or folder / "templates"
    state = State(
        services,
        Pages(settings, templates),
        Limits(search_per_minute=settings.app.search_per_minute, subscribe_per_hour=settings.app.subscribe_per_hour),
    )

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        pool = await run_in_threadpool(BackendPool, services.open_backend, settings.app.search_connections)
        try:
            await run_in_threadpool(pool.warm)
            state._pool = pool
            yield
        finally:
            state._pool = None
            await run_in_threadpool(pool.close)

    routes = [
        Route("/", search.search_page),
        Route("/search", search.search_page),
        Route("/search.json", search.search_json),
        Route("/search.atom", search.search_atom),
        Route("/search.csv", search.search_csv),
        Route("/subscribe", subs.subscribe_page, methods=["GET"]),
        Route("/subscribe", subs.subscribe, methods=["POST"]),
        Route("/confirm", subs.confirm_page, methods=["GET"]),
        Route("/confirm", subs.confirm_post, methods=["POST"]),
        Route("/preferences", subs.preferences_page, methods=["GET"]),
        Route("/preferences", subs.preferences_post, methods=["POST"]),
        Route("/preferences/link", subs.preferences_link, methods=["POST"]),
        Route("/signout", subs.sign_out, methods=["POST"]),
        Route("/save", subs.save_page, methods=["GET"]),
        Route("/save", subs.save_post, methods=["POST"]),
        Route("/unsubscribe", unsub.unsubscribe_page, methods=["GET"]),
        Route("/unsubscribe", unsub.unsubscribe_post, methods=["POST"]),
        # the static site's path, so a digest link made before the app existed still lands
        Route("/unsubscribe/", unsub.unsubscribe_page, methods=["GET"]),
        Route("/unsubscribe/", unsub.unsubscribe_post, methods=["POST"]),
        Route("/healthz", healthz),
        Mount("/static", StaticFiles(directory=static or folder / "static"), name="static"),
    ]
    https = services.public_url.startswith("https://")
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(Guard, max_body=settings.app.max_body_bytes),
            Middleware(
                SessionMiddleware,
                secret_key=_session_key(settings.digest.secret),
                session_cookie="pt_session",
                max_age=SESSION_HOURS * 3600,
                same_site="lax",
                https_only=https,
            ),
        ],
        exception_handlers={WebappError: _error, HTTPException: _error},
        lifespan=lifespan,
    )
    app.state.policytrack = state
    app.state.mail = Mail(settings, templates)
    return app
