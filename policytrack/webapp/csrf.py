"""CSRF protection for every form: a signed double-submit token, plus the browser's own word.

A random value lives in a cookie (HttpOnly, SameSite=Strict); each form carries that value
signed with the app's secret for the purpose "csrf" and a time (``digest.tokens``). A POST is
accepted only when the form's token is genuine, at most ``TOKEN_HOURS`` old, and names the
cookie this browser holds, and when the browser does not say the request came from another site
(``Sec-Fetch-Site: cross-site``). Another site can make a browser send the cookie but can
neither read it nor sign a token for it.

Exempt: the one-click unsubscribe POST (RFC 8058), which mail providers send from their own
servers without cookies; its URL carries a signed token, which is what a forger lacks.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Mapping
from datetime import datetime, timedelta

from starlette.requests import Request
from starlette.responses import Response

from ..digest.errors import TokenError
from ..digest.tokens import read_timed, sign_timed
from .errors import Forbidden

COOKIE = "pt_csrf"
FIELD = "csrf_token"
TOKEN_HOURS = 8


def _cookie(request: Request) -> str | None:
    value = request.cookies.get(COOKIE)
    return value if value and 20 <= len(value) <= 100 else None


def form_token(request: Request, secret: str, now: datetime) -> str:
    """The token for a form on this page; remembers a new cookie value to set on the answer."""
    value = _cookie(request) or request.scope.setdefault("policytrack.csrf_new", secrets.token_urlsafe(32))
    return sign_timed(secret, "csrf", value, now)


def set_cookie(request: Request, response: Response) -> None:
    """Set the CSRF cookie when ``form_token`` had to make one for this answer."""
    value = request.scope.get("policytrack.csrf_new")
    if value:
        response.set_cookie(
            COOKIE,
            value,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
            path=request.scope.get("root_path") or "/",
        )


def check(request: Request, form: Mapping[str, object], secret: str, now: datetime) -> None:
    """Raise Forbidden unless the form is one this app gave this browser (see the module doc)."""
    if request.headers.get("sec-fetch-site") == "cross-site":
        raise Forbidden("This form was sent from another site; open the page on this site and try again.")
    cookie = _cookie(request)
    token = form.get(FIELD)
    if cookie is None or not isinstance(token, str):
        raise Forbidden("This form is missing its security token (are cookies off?); reload the page and try again.")
    try:
        value = read_timed(secret, "csrf", token, max_age=timedelta(hours=TOKEN_HOURS), now=now)
    except TokenError:
        raise Forbidden("This form has expired or is not valid; reload the page and try again.") from None
    if not isinstance(value, str) or not hmac.compare_digest(value, cookie):
        raise Forbidden("This form belongs to another browser session; reload the page and try again.")
