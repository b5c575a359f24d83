"""Subscribe (double opt-in), confirm, preferences, save a search, unsubscribe: the routes.

Every form is a plain HTML form (no JavaScript) with a CSRF token (``csrf``); the subscriber's
session after opening a confirmation or preferences link is a signed cookie (Starlette's
``SessionMiddleware``) holding their id and the fingerprint of their address. Pages answer the
same whether or not an address is subscribed, so the forms tell nobody who is on the list.
Store and SMTP work runs in worker threads.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from indexer import QueryError

from ..digest.errors import SubscriberError, TokenError, TokenExpired
from ..digest.i18n import LANGUAGES
from ..digest.subscribers import Subscribers
from ..digest.tokens import address_key
from ..store import Subscriber
from . import csrf
from .app_state import State, client_key, state_of
from .errors import BadRequest
from .mail import Mail
from .search_views import check_query
from .subscriptions import (
    Choice,
    Wish,
    add_query,
    check_wish,
    confirm,
    confirm_token,
    preferences_token,
    read_confirm_token,
    read_preferences_token,
    save_choice,
    subscriber_for,
    unsubscribe_token,
)

T = TypeVar("T")
MAX_FIELDS = 200


@contextmanager
def _book(state: State) -> Iterator[Subscribers]:
    with state.services.open_store() as store:
        yield Subscribers(store, state.settings)


async def in_book(state: State, work: Callable[[Subscribers], T]) -> T:
    def run() -> T:
        with _book(state) as book:
            return work(book)

    return await run_in_threadpool(run)


async def _form(request: Request, state: State) -> FormData:
    form = await request.form(max_files=0, max_fields=MAX_FIELDS)
    csrf.check(request, form, state.settings.digest.secret, state.services.clock())
    return form


def _text(form: FormData, name: str, limit: int = 1000) -> str:
    value = form.get(name, "")
    if not isinstance(value, str):
        raise BadRequest(f"{name} must be text")
    if len(value) > limit:
        raise BadRequest(f"{name} is longer than {limit} characters")
    return value.strip()


def _list(form: FormData, name: str) -> tuple[str, ...]:
    return tuple(v for v in form.getlist(name) if isinstance(v, str) and v.strip())


def _redirect(request: Request, path: str) -> RedirectResponse:
    return RedirectResponse(state_of(request).pages.app_root(request) + path, status_code=303)


def _choices(state: State) -> dict[str, Any]:
    s = state.settings
    return {"topics": s.topics, "saved_searches": s.saved_searches, "languages": LANGUAGES}


def link_problem(request: Request, e: TokenError, again: str) -> Response:
    expired = isinstance(e, TokenExpired)
    return state_of(request).pages.render(
        request,
        "app/message.html",
        title="Link expired" if expired else "Link not valid",
        status=400,
        private=True,
        heading="This link has expired" if expired else "This link is not valid",
        message=str(e).capitalize() + ".",
        again=again,
    )


def _check_inbox(request: Request) -> Response:
    return state_of(request).pages.render(
        request,
        "app/message.html",
        title="Check your inbox",
        private=True,
        heading="Check your inbox",
        message="If the address can receive our emails, a message with a link is on its way. "
        "The link works for a limited time; nothing changes until you open it.",
        again=None,
    )


# ---------------------------------------------------------------- subscribe and confirm


def _subscribe_form(request: Request, *, status: int = 200, error: str = "", values: dict[str, Any]) -> Response:
    state = state_of(request)
    return state.pages.render(
        request,
        "app/subscribe.html",
        title="Subscribe to the weekly digest",
        status=status,
        private=True,
        error=error,
        values=values,
        **_choices(state),
    )


async def subscribe_page(request: Request) -> Response:
    state = state_of(request)
    q = request.query_params.get("q", "")[: state.settings.app.max_query_chars]
    return _subscribe_form(request, values={"q": q, "query_name": q[:100], "language": "en"})


async def subscribe(request: Request) -> Response:
    state = state_of(request)
    form = await _form(request, state)
    state.limits.hit("subscribe", client_key(request))
    q = _text(form, "q", state.settings.app.max_query_chars)
    wish = Wish(
        email=_text(form, "email", 320),
        name=_text(form, "name", 200),
        topics=_list(form, "topic"),
        searches=_list(form, "search"),
        queries=((q, _text(form, "query_name", 200)),) if q else (),
        language=_text(form, "language", 10) or "en",
    )
    values = {**wish.__dict__, "q": q, "query_name": wish.queries[0][1] if q else ""}
    if not (wish.topics or wish.searches or wish.queries):
        return _subscribe_form(
            request, status=400, error="Choose at least one topic or search to follow.", values=values
        )
    try:
        if q:
            check_query(q)
        await in_book(state, lambda book: check_wish(book, wish))
    except (QueryError, SubscriberError) as e:
        return _subscribe_form(request, status=400, error=str(e), values=values)
    state.limits.hit("mail-to", address_key(wish.email))
    now = state.services.clock()
    link = f"{state.services.public_url}confirm?token={confirm_token(state.settings, wish, now)}"
    mail: Mail = request.app.state.mail
    msg = mail.message(
        "confirm.txt",
        wish.email,
        f"Confirm your subscription to {state.settings.site.title}",
        now,
        link=link,
        hours=state.settings.app.confirm_hours,
        following=_following(state, wish.topics, wish.searches, wish.queries),
    )
    await run_in_threadpool(mail.send, msg)
    return _check_inbox(request)


def _following(state: State, topics: tuple[str, ...], searches: tuple[str, ...], queries: Any) -> list[str]:
    titles = {t.slug: t.title for t in state.settings.topics}
    out = [titles.get(t, t) for t in topics] + list(searches)
    out += [f"{name} ({q})" if name else q for q, name in queries]
    return out


async def confirm_page(request: Request) -> Response:
    state = state_of(request)
    token = request.query_params.get("token", "")
    try:
        wish = read_confirm_token(state.settings, token, state.services.clock())
    except TokenError as e:
        return link_problem(request, e, "subscribe")
    return state.pages.render(
        request,
        "app/confirm.html",
        title="Confirm your subscription",
        private=True,
        token=token,
        email=wish.email,
        following=_following(state, wish.topics, wish.searches, wish.queries),
    )


def _sign_in(request: Request, sub: Subscriber) -> None:
    request.session.clear()
    request.session.update({"sub": sub.id, "key": address_key(sub.email)})


async def confirm_post(request: Request) -> Response:
    state = state_of(request)
    form = await _form(request, state)
    now = state.services.clock()
    try:
        wish = read_confirm_token(state.settings, _text(form, "token", 4096), now)
        sub = await in_book(state, lambda book: confirm(book, wish, now))
    except TokenError as e:
        return link_problem(request, e, "subscribe")
    except SubscriberError as e:  # the settings changed since the link was sent (a topic removed)
        raise BadRequest(f"This subscription cannot be confirmed any more: {e}") from None
    _sign_in(request, sub)
    return _redirect(request, "preferences?done=welcome")


# ---------------------------------------------------------------- preferences


def _signed_in(request: Request, book: Subscribers) -> Subscriber | None:
    sid, key = request.session.get("sub"), request.session.get("key")
    if not isinstance(sid, int) or not isinstance(key, str):
        return None
    try:
        return subscriber_for(book, sid, key)
    except TokenError:
        return None


async def preferences_page(request: Request) -> Response:
    state = state_of(request)
    token = request.query_params.get("token")
    if token is not None:
        now = state.services.clock()
        try:
            sub = await in_book(state, lambda book: read_preferences_token(state.settings, token, now, book))
        except TokenError as e:
            return link_problem(request, e, "preferences")
        _sign_in(request, sub)
        return _redirect(request, "preferences")  # the token leaves the address bar and history
    found = await in_book(state, lambda book: _signed_in(request, book))
    if found is None:
        request.session.clear()
        return state.pages.render(request, "app/preferences_link.html", title="Your preferences", private=True)
    return state.pages.render(
        request,
        "app/preferences.html",
        title="Your preferences",
        private=True,
        sub=found,
        done=request.query_params.get("done", ""),
        unsubscribe_token=unsubscribe_token(state.settings, found),
        **_choices(state),
    )


async def preferences_post(request: Request) -> Response:
    state = state_of(request)
    form = await _form(request, state)
    now = state.services.clock()

    def save(book: Subscribers) -> Subscriber | None:
        sub = _signed_in(request, book)
        if sub is None:
            return None
        kept = [(q, _text(form, f"query_name_{i}", 200)) for i, q in enumerate(sub.queries) if f"keep_{i}" in form]
        choice = Choice(
            name=_text(form, "name", 200),
            topics=_list(form, "topic"),
            searches=_list(form, "search"),
            queries=kept,
            language=_text(form, "language", 10) or "en",
        )
        return save_choice(book, sub, choice, now)

    try:
        saved = await in_book(state, save)
    except SubscriberError as e:
        raise BadRequest(str(e)) from None
    if saved is None:
        return _redirect(request, "preferences")
    return _redirect(request, "preferences?done=saved")


async def preferences_link(request: Request) -> Response:
    state = state_of(request)
    form = await _form(request, state)
    state.limits.hit("subscribe", client_key(request))
    email = _text(form, "email", 320)
    state.limits.hit("mail-to", address_key(email))
    sub = await in_book(state, lambda book: book.get(email))
    if sub is not None and sub.active:
        now = state.services.clock()
        link = f"{state.services.public_url}preferences?token={preferences_token(state.settings, sub, now)}"
        mail: Mail = request.app.state.mail
        msg = mail.message(
            "preferences.txt",
            sub.email,
            f"Your {state.settings.site.title} preferences",
            now,
            link=link,
            hours=state.settings.app.preferences_hours,
        )
        await run_in_threadpool(mail.send, msg)
    return _check_inbox(request)


async def sign_out(request: Request) -> Response:
    await _form(request, state_of(request))
    request.session.clear()
    return _redirect(request, "")


# ---------------------------------------------------------------- save a search


async def save_page(request: Request) -> Response:
    state = state_of(request)
    q = request.query_params.get("q", "")
    if len(q) > state.settings.app.max_query_chars:
        raise BadRequest(f"The query is longer than {state.settings.app.max_query_chars} characters.")
    sub = await in_book(state, lambda book: _signed_in(request, book))
    if sub is None:
        return RedirectResponse(state.pages.app_root(request) + "subscribe?" + request.url.query, status_code=303)
    return state.pages.render(request, "app/save.html", title="Save this search", private=True, q=q, sub=sub)


async def save_post(request: Request) -> Response:
    state = state_of(request)
    form = await _form(request, state)
    q = _text(form, "q", state.settings.app.max_query_chars)
    name = _text(form, "query_name", 200)
    try:
        check_query(q)
    except QueryError as e:
        raise BadRequest(f"This search cannot be saved: {e}") from None
    now = state.services.clock()

    def save(book: Subscribers) -> Subscriber | None:
        sub = _signed_in(request, book)
        return None if sub is None else add_query(book, sub, q, name, now)

    try:
        saved = await in_book(state, save)
    except SubscriberError as e:
        raise BadRequest(str(e)) from None
    if saved is None:
        return _redirect(request, "preferences")
    return _redirect(request, "preferences?done=added")
