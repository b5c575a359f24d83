"""RSS 2.0 / Atom feeds (EUR-Lex, EP press), read with feedparser.

feedparser never raises: it sets ``bozo``. A feed that is not well-formed, or is no feed at all,
becomes a ParseError here; encoding quirks that feedparser recovers from are accepted.

EUR-Lex items (predefined and My EUR-Lex feeds) look like this (a public client's fixture of
``display-feed.rss?rssId=162``)::

    <title>CELEX:32026L1472: Directive (EU) 2026/1472 of the European Parliament …</title>
    <link>https://eur-lex.europa.eu/./legal-content/AUTO/?uri=CELEX:32026L1472</link>
    <guid>https://eur-lex.europa.eu/./legal-content/AUTO/?uri=CELLAR:86beade5-741e-11f1-9800-01aa75ed71a1</guid>

The ``/./`` is dropped from links, the ``CELEX:…:`` prefix from titles (it becomes the entry's
``celex``).
"""

from __future__ import annotations

import hashlib
import posixpath
import re
from dataclasses import dataclass
from datetime import date
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit, urlunsplit

import feedparser

from policytrack.errors import IdentifierError
from policytrack.identifiers import find_celex, normalise_celex, normalise_procedure
from policytrack.model import Document, Procedure

from .common import Body, as_bytes, check_challenge, clean, doc_type_from_celex, fail

_PRESS_ID = re.compile(r"/press-room/(\d{8}IPR\d{3,6})")
_CELEX_TITLE = re.compile(r"^CELEX:\s*([0-9A-Z()\-]+)\s*:\s*(.*)$", re.S)
_TOLERATED = (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)


@dataclass(frozen=True)
class FeedEntry:
    """What the spiders need from one entry: where it points and when it last changed."""

    link: str
    title: str
    updated: date | None
    key: str  # link + updated stamp: the seen-set key of this entry
    celex: str | None = None  # EUR-Lex titles start with "CELEX:32024L1760:"
    guid: str = ""


def entries(body: Body, url: str = "") -> list[FeedEntry]:
    kind = "RSS/Atom feed"
    raw = as_bytes(body)
    if not raw or raw.isspace():
        raise fail(url, kind, "empty response")
    check_challenge(raw, url, kind)
    # Titles and links are all we take: no HTML sanitising, no relative-URI resolution needed.
    parsed = feedparser.parse(raw, sanitize_html=False, resolve_relative_uris=False)
    if parsed.get("bozo") and not isinstance(parsed.get("bozo_exception"), _TOLERATED):
        raise fail(url, kind, f"malformed feed ({parsed.get('bozo_exception')})")
    if not parsed.get("version"):
        raise fail(url, kind, "no RSS or Atom document")
    out = []
    for entry in parsed.entries:
        link = _normal_link(clean(dict(entry).get("link")))
        if not re.match(r"^https?://\S+$", link):
            continue
        fields = dict(entry)  # plain dict access: no feedparser deprecation fallbacks
        updated = _entry_date(fields)
        title, celex = _title_and_celex(clean(fields.get("title")))
        out.append(
            FeedEntry(
                link,
                title or link,
                updated,
                f"{link}#{clean(fields.get('updated') or fields.get('published'))}",
                celex or next(iter(find_celex(link)), None),
                clean(fields.get("id")),
            )
        )
    return out


def _entry_date(fields: dict) -> date | None:
    """The entry's date as its publisher wrote it (``Tue, 30 Jun 2026 00:00:00 +0200`` is the 30th,
    not the 29th in UTC)."""
    raw = clean(fields.get("updated") or fields.get("published"))
    try:
        return parsedate_to_datetime(raw).date()
    except (TypeError, ValueError, IndexError):
        pass
    stamp = fields.get("updated_parsed") or fields.get("published_parsed")
    try:
        return date(stamp.tm_year, stamp.tm_mon, stamp.tm_mday) if stamp else None
    except (ValueError, AttributeError):
        return None


def _normal_link(link: str) -> str:
    """``https://eur-lex.europa.eu/./legal-content/…`` → ``https://eur-lex.europa.eu/legal-content/…``."""
    parts = urlsplit(link)
    if "/." not in parts.path:
        return link
    path = posixpath.normpath(parts.path) + ("/" if parts.path.endswith("/") else "")
    return urlunsplit(parts._replace(path=path.replace("//", "/")))


def _title_and_celex(title: str) -> tuple[str, str | None]:
    m = _CELEX_TITLE.match(title)
    if not m:
        return title, None
    try:
        return m[2].strip(), normalise_celex(m[1])
    except IdentifierError:
        return title, None


def parse_feed(body: Body, url: str = "") -> list[Document | Procedure]:
    """Feed entries as items: a Document for a CELEX or press link, a Procedure for a procedure
    file, a generic feed Document otherwise. The spiders follow the links instead of storing these."""
    out: list[Document | Procedure] = []
    for entry in entries(body, url):
        celex = [entry.celex] if entry.celex else []
        press = _PRESS_ID.search(entry.link)
        reference = None
        if "reference=" in entry.link or "/procedure/" in entry.link:
            try:
                reference = normalise_procedure(entry.link)
            except IdentifierError:
                reference = None
        if reference:
            out.append(
                Procedure(id=f"proc:{reference}", reference=reference, title=entry.title, source="feed", url=entry.link)
            )
            continue
        if celex:
            item_id, doc_type = f"celex:{celex[0]}", doc_type_from_celex(celex[0])
        elif press:
            item_id, doc_type = f"press:{press.group(1)}", "press release"
        else:
            item_id, doc_type = f"feed:{hashlib.sha1(entry.link.encode()).hexdigest()[:16]}", "other"
        out.append(
            Document(
                id=item_id,
                title=entry.title,
                source="feed",
                url=entry.link,
                doc_type=doc_type,
                celex=celex[0] if celex else None,
                date=entry.updated,
            )
        )
    return out
