"""The List-Unsubscribe endpoint: ``POST`` with ``List-Unsubscribe=One-Click`` (RFC 8058)
unsubscribes at once and answers 200; ``GET`` shows a page whose button sends that same POST.

The URL carries the digest's unsubscribe token (``digest.tokens.make_token``: the subscriber id
signed together with the address). It does not expire, so the link in an old digest still
works. No CSRF token here: a mail provider's one-click POST comes from its servers without
cookies or forms of ours, and the signed token in the URL is what a forger could not make.
Unsubscribing an address that already unsubscribed answers 200 again.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ..digest.errors import TokenError
from ..digest.subscribers import Subscribers
from ..digest.tokens import token_subscriber, verify_token
from ..store import Subscriber
from .app_state import State, state_of
from .subscription_views import in_book, link_problem

ONE_CLICK = "One-Click"


def _find(state: State, token: str, book: Subscribers) -> Subscriber:
    sub = book.by_id(token_subscriber(token))
    if sub is None:
        raise TokenError("this unsubscribe link names no subscriber (the address was deleted)")
    verify_token(state.settings.digest.secret, token, sub.email)
    return sub


def masked(email: str) -> str:
    """``ana@example.org`` → ``a••@example.org``: enough to recognise one's own address."""
    local, _, domain = email.rpartition("@")
    return f"{local[:1]}{'•' * min(max(len(local) - 1, 2), 8)}@{domain}"


async def unsubscribe_page(request: Request) -> Response:
    state = state_of(request)
    token = request.query_params.get("token", "")
    if not token:  # e.g. from the static site's page without a digest's link: ask for a link
        return RedirectResponse(state.pages.app_root(request) + "preferences", status_code=303)
    try:
        sub = await in_book(state, lambda book: _find(state, token, book))
    except TokenError as e:
        return link_problem(request, e, "preferences")
    return state.pages.render(
        request,
        "app/unsubscribe.html",
        title="Unsubscribe",
        private=True,
        token=token,
        address=masked(sub.email),
        active=sub.active,
    )


async def _one_click(request: Request) -> bool:
    """Whether the body is RFC 8058's ``List-Unsubscribe=One-Click``, form-encoded (either
    encoding a browser or a mail provider uses) or as bare text."""
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form(max_files=0, max_fields=10)
        return form.get("List-Unsubscribe") == ONE_CLICK
    return (await request.body()).strip() == b"List-Unsubscribe=One-Click"


async def unsubscribe_post(request: Request) -> Response:
    state = state_of(request)
    token = request.query_params.get("token", "")
    if not await _one_click(request):
        return state.pages.render(
            request,
            "app/message.html",
            title="Not unsubscribed",
            status=400,
            private=True,
            heading="Nothing was changed",
            message="An unsubscribe request must carry List-Unsubscribe=One-Click (RFC 8058).",
            again=None,
        )
    now = state.services.clock()

    def unsubscribe(book: Subscribers) -> Subscriber:
        sub = _find(state, token, book)
        if sub.active:
            book.unsubscribe_id(sub.id, now)
        return sub

    try:
        sub = await in_book(state, unsubscribe)
    except TokenError as e:
        return link_problem(request, e, "preferences")
    request.session.clear()
    return state.pages.render(
        request,
        "app/message.html",
        title="Unsubscribed",
        private=True,
        heading="You are unsubscribed",
        message=f"{masked(sub.email)} gets no further digests. Changed your mind? Subscribe again any time.",
        again="subscribe",
    )
