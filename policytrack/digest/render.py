"""Render a digest as an email: Jinja2 templates (HTML autoescaped, plain text), CSS inlined.

Headers are set through the ``email`` package's header objects, never by string concatenation:
subscriber names and anything scraped cannot add a header (the model and the subscriber book
already refuse line breaks; the header registry and policy are the second line of defence).
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import format_datetime, getaddresses
from functools import cache
from html import escape
from importlib import resources
from urllib.parse import quote, urlsplit

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from ..config import Settings
from ..timeutil import Period
from ..urls import absolute
from .addresses import validate_address
from .errors import DigestError
from .i18n import catalogue
from .mime import Assembled, TextPart, header
from .selection import DigestContent
from .subscribers import Subscriber
from .tokens import make_token

log = logging.getLogger(__name__)


def _load_inliner() -> Callable[[str], str] | None:
    """css_inline's inliner, or None when the package is missing (no wheel for some platforms)."""
    try:
        import css_inline
    except ImportError:
        return None
    inliner = css_inline.CSSInliner(keep_style_tags=False, load_remote_stylesheets=False)
    return inliner.inline


def inline_css(html: str, inliner: Callable[[str], str] | None) -> str:
    """Inline the ``<style>`` rules into ``style`` attributes (Gmail and Outlook ignore many
    ``<style>`` rules). Without css_inline the ``<style>`` block stays: most clients still apply
    it, and the message remains readable in the others."""
    if inliner is None:
        return html
    return inliner(html)


@cache
def _environment(language: str) -> Environment:
    env = Environment(
        loader=PackageLoader("policytrack.digest", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        extensions=["jinja2.ext.i18n"],
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    cat = catalogue(language)
    env.install_gettext_callables(cat.gettext, cat.ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.filters["term"] = cat.term
    return env


_CACHE_SIZE = 512


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


class Renderer:
    """Turns (subscriber, content) into an ``EmailMessage``; one per run, reused for every digest."""

    def __init__(self, settings: Settings, *, inliner: Callable[[str], str] | bool | None = True) -> None:
        self.settings = settings
        self.digest = settings.digest
        if not self.digest.secret:
            raise DigestError("digest.secret is not set: set POLICYTRACK_DIGEST_SECRET to sign unsubscribe links")
        self.inliner = _load_inliner() if inliner is True else (inliner or None)
        if inliner is True and self.inliner is None:
            log.warning("css_inline is not installed: digests keep their <style> block instead of inline styles")
        self.css = resources.files("policytrack.digest").joinpath("templates", "digest.css").read_text("utf-8")
        self.sender = _from_address(self.digest.from_address)
        self.list_id = _list_id(self.digest.list_id)
        self.home_url = absolute(settings.site.base_url, "")
        app = settings.site.app_url
        self._unsubscribe_page = (
            absolute(app, "unsubscribe") if app else absolute(settings.site.base_url, "unsubscribe/")
        )
        # RFC 8058: one-click unsubscribe needs an https URL; mail providers ignore it otherwise.
        self.one_click_problem = one_click_problem(self.unsubscribe_url("token"))
        self._cache: dict[tuple, tuple[DigestContent, str, str]] = {}
        self._headers: dict[tuple[str, str], str] = {}
        self._subjects: dict[str, str] = {}
        # Placeholders for what differs between subscribers sharing one rendering: ASCII letters
        # and digits (escaping and CSS inlining leave them alone), random per run so that no
        # scraped text can contain one.
        self._slot = f"PTSLOT{secrets.token_hex(8)}"
        self._slot_re = re.compile(self._slot + "(NAME|URL)")

    # -- pieces
    def unsubscribe_token(self, subscriber: Subscriber) -> str:
        return make_token(self.digest.secret, subscriber.id, subscriber.email)

    def unsubscribe_url(self, token: str) -> str:
        """The search app's one-click endpoint when ``[site] app_url`` is set (it answers the
        RFC 8058 POST), else the static site's page that prepares an unsubscribe email."""
        return self._unsubscribe_page + "?token=" + quote(token, safe="")

    def message_id(self, subscriber: Subscriber, period: Period) -> str:
        """Stable per (subscriber, period): a re-sent digest carries the same Message-ID, so
        receiving systems can tell it is the same message."""
        key = f"{subscriber.id}\x00{subscriber.email.lower()}\x00{period.start.isoformat()}\x00{period.end.isoformat()}"
        digest = hashlib.sha256(key.encode()).hexdigest()[:20]
        return f"<digest.{period.end:%Y%m%d}.{subscriber.id}.{digest}@{self.sender.domain}>"

    def render(self, subscriber: Subscriber, content: DigestContent, *, token: str | None = None) -> Rendered:
        """Subject, text and HTML for one subscriber.

        Subscribers who follow the same things in the same language share one rendering of the
        templates (the expensive part); only their name and unsubscribe link differ, and those
        go into placeholders afterwards, escaped for HTML. The cache holds the content object
        itself, so an ``id()`` is never reused while its entry lives.
        """
        cat = catalogue(subscriber.language)
        subject = cat.ngettext(
            "%(site)s digest, %(end)s: %(num)d update", "%(site)s digest, %(end)s: %(num)d updates", content.count
        ) % {"site": self.settings.site.title, "end": content.period.end.date().isoformat(), "num": content.count}
        key = (
            id(content),
            subscriber.language,
            bool(subscriber.name),
            frozenset(subscriber.topics),
            subscriber.searches,
            subscriber.queries,
        )
        cached = self._cache.get(key)
        if cached is None or cached[0] is not content:
            if len(self._cache) >= _CACHE_SIZE:
                self._cache.pop(next(iter(self._cache)))
            cached = (content, *self._render_shared(subscriber, content, subject))
            self._cache[key] = cached
        _, text, html = cached
        url = self.unsubscribe_url(token or self.unsubscribe_token(subscriber))
        text_values = {"NAME": subscriber.name, "URL": url}
        html_values = {k: escape(v, quote=True) for k, v in text_values.items()}
        return Rendered(
            subject,
            self._slot_re.sub(lambda m: text_values[m.group(1)], text),
            self._slot_re.sub(lambda m: html_values[m.group(1)], html),
        )

    def _render_shared(self, subscriber: Subscriber, content: DigestContent, subject: str) -> tuple[str, str]:
        env = _environment(subscriber.language)
        context = {**self._context(subscriber, content, subject), "following": self.following(subscriber)}
        text = env.get_template("digest.txt").render(context)
        html = inline_css(env.get_template("digest.html").render(context), self.inliner)
        return text, html

    def following(self, subscriber: Subscriber) -> str:
        """What the footer says the subscriber follows: titles in their language, not slugs."""
        settings, language = self.settings, subscriber.language
        # in configuration order, so that subscribers who list the same topics share a rendering
        known = [t.slug for t in settings.topics]
        names = [settings.topic_title(slug, language) for slug in known if slug in subscriber.topics]
        names += [t for t in subscriber.topics if t not in known]
        searches = {s.name: s for s in settings.saved_searches}
        names += [searches[n].title_in(language) if n in searches else n for n in subscriber.searches]
        names += [f"“{q}”" for q in subscriber.queries]
        return ", ".join(names) or catalogue(language).gettext("nothing yet")

    def _context(self, subscriber: Subscriber, content: DigestContent, subject: str) -> dict[str, object]:
        return {
            "site_title": self.settings.site.title,
            "home_url": self.home_url,
            "subject": subject,
            "name": self._slot + "NAME" if subscriber.name else "",
            "language": subscriber.language,
            "period": content.period,
            "content": content,
            "weeks": self.digest.upcoming_weeks,
            "css": self.css,
            "unsubscribe_url": self._slot + "URL",
        }

    def message(
        self, subscriber: Subscriber, content: DigestContent, now: datetime, *, message_id: str | None = None
    ) -> EmailMessage:
        """The complete multipart/alternative message (plain text first, HTML preferred)."""
        return self.assemble(subscriber, content, now, message_id=message_id).message()

    def message_bytes(
        self,
        subscriber: Subscriber,
        content: DigestContent,
        now: datetime,
        *,
        message_id: str | None = None,
        policy: EmailPolicy[EmailMessage] = policy.default,
    ) -> bytes:
        """``message(...).as_bytes(policy=policy)``, written without the email package's generator."""
        return self.assemble(subscriber, content, now, message_id=message_id).as_bytes(policy)

    def assemble(
        self,
        subscriber: Subscriber,
        content: DigestContent,
        now: datetime,
        *,
        message_id: str | None = None,
        rendered: Rendered | None = None,
    ) -> Assembled:
        """The message's headers and parts (see ``mime``), for ``message`` and ``message_bytes``.

        Headers that hold a subscriber's data (To, List-Unsubscribe) go through the header
        registry every time. Headers that are the same for many messages are parsed and folded
        by the email package once (``_folded``) and stored raw: parsing them for each of 10k
        messages was a third of the run (see benchmarks/bench_digest.py). ``rendered``: this
        subscriber's ``render(subscriber, content)``, when the caller has it already.
        """
        token = self.unsubscribe_token(subscriber)
        rendered = rendered or self.render(subscriber, content, token=token)
        message_id = message_id or self.message_id(subscriber, content.period)
        mailto = f"mailto:{self.sender.addr_spec}?subject=" + quote(f"unsubscribe {token}", safe="")
        to = Address(display_name=" ".join(subscriber.name.split()), addr_spec=validate_address(subscriber.email))
        # "=_" never occurs in quoted-printable text, so this boundary cannot collide with the
        # parts, and nothing need scan them for a free one.
        boundary = f"=_policytrack_{hashlib.sha256(message_id.encode()).hexdigest()[:24]}"
        headers: list[tuple[str, object]] = [
            ("Subject", self._subject(rendered.subject)),
            ("From", self._folded("From", self.sender)),
            ("To", header("To", to)),
            ("Date", format_datetime(now)),  # generated here: ASCII, short, no line breaks
            ("Message-ID", message_id),  # likewise (its domain passed validate_address)
            ("List-Id", self._folded("List-Id", f"<{self.list_id}>")),
            ("List-Unsubscribe", header("List-Unsubscribe", f"<{self.unsubscribe_url(token)}>, <{mailto}>")),
        ]
        if not self.one_click_problem:  # RFC 8058 §3.1: only with an https URL
            headers.append(("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"))
        headers += [
            ("Auto-Submitted", "auto-generated"),
            ("MIME-Version", "1.0"),
            ("Content-Type", f'multipart/alternative;\n boundary="{boundary}"'),
        ]
        parts = (TextPart.of(rendered.text, "plain"), TextPart.of(rendered.html, "html"))
        return Assembled(tuple(headers), boundary, parts, message_id)

    def _subject(self, subject: str) -> str:
        """``fold_subject``, cached: subscribers of one language mostly share a subject."""
        folded = self._subjects.get(subject)
        if folded is None:
            folded = fold_subject(subject)
            if len(self._subjects) < _CACHE_SIZE:
                self._subjects[subject] = folded
        return folded

    def _folded(self, name: str, value: object) -> str:
        """``value`` parsed and folded by the email package (cached): ready for ``set_raw``."""
        key = (name, str(value))
        folded = self._headers.get(key)
        if folded is None:
            text = policy.default.header_factory(name, value).fold(policy=policy.default)
            folded = text[len(name) + 2 :].rstrip("\n")
            if len(self._headers) < _CACHE_SIZE:
                self._headers[key] = folded
        return folded


def fold_subject(subject: str) -> str:
    """The Subject's value, folded for ``set_raw``, that unfolds to exactly ``subject``.

    CPython's folder (3.11/3.12) ends a line it folds before an encoded word with a space and
    starts the next with another: "3 mises \\n =?utf-8?q?=C3=A0?= jour" reads "mises  à jour".
    A subject with any non-ASCII character is therefore written as encoded words only (RFC
    2047, by the email package's ``Header``): readers join adjacent encoded words without the
    white space between them. ASCII subjects fold at their own spaces, which is exact.
    """
    subject = " ".join(subject.split())
    if subject.isascii():
        folded = policy.default.header_factory("Subject", subject).fold(policy=policy.default)
        return folded[len("Subject: ") :].rstrip("\n")
    return Header(subject, "utf-8", header_name="Subject").encode(linesep="\n", maxlinelen=78)


def one_click_problem(unsubscribe_url: str) -> str:
    """Why one-click unsubscribe (RFC 8058) cannot be offered with this URL, or ""."""
    if urlsplit(unsubscribe_url).scheme.lower() == "https":
        return ""
    return (
        f"unsubscribe links start with {unsubscribe_url.split('?')[0]!r}: RFC 8058 one-click unsubscribe needs "
        "https, so mail providers will not offer it (set [site] base_url to an https:// address)"
    )


def _from_address(text: str) -> Address:
    pairs = getaddresses([text])
    if len(pairs) != 1 or not pairs[0][1] or any(c in text for c in "\r\n"):
        raise DigestError(f"digest.from_address must be one address like 'Name <digest@example.org>', got {text!r}")
    name, addr = pairs[0]
    addr = validate_address(addr)
    local, _, domain = addr.rpartition("@")
    return Address(display_name=" ".join(name.split()), username=local, domain=domain)


def _list_id(text: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+", text or ""):
        raise DigestError(f"digest.list_id must be a dotted name like 'digest.example.org', got {text!r}")
    return text
