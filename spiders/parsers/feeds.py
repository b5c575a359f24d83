"""RSS 2.0 / Atom feeds (EUR-Lex, OEIL, EP press), read with feedparser.

feedparser never raises: it sets ``bozo``. A feed that is not well-formed, or is no feed at all,
becomes a ParseError here; encoding quirks that feedparser recovers from are accepted.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date

import feedparser

from policytrack.errors import IdentifierError
from policytrack.identifiers import find_celex, normalise_procedure
from policytrack.model import Document, Procedure

from .common import Body, as_bytes, check_challenge, clean, fail

_PRESS_ID = re.compile(r"/press-room/(\d{8}IPR\d{3,6})")
_TOLERATED = (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)


@dataclass(frozen=True)
class FeedEntry:
    """What the spiders need from one entry: where it points and when it last changed."""

    link: str
    title: str
    updated: date | None
    key: str  # link + updated stamp: the seen-set key of this entry


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
        link = clean(dict(entry).get("link"))
        if not re.match(r"^https?://\S+$", link):
            continue
        fields = dict(entry)  # plain dict access: no feedparser deprecation fallbacks
        stamp = fields.get("updated_parsed") or fields.get("published_parsed")
        try:
            updated = date(stamp.tm_year, stamp.tm_mon, stamp.tm_mday) if stamp else None
        except (ValueError, AttributeError):
            updated = None
        out.append(
            FeedEntry(
                link,
                clean(fields.get("title")) or link,
                updated,
                f"{link}#{clean(fields.get('updated') or fields.get('published'))}",
            )
        )
    return out


def parse_feed(body: Body, url: str = "") -> list[Document | Procedure]:
    """Feed entries as items: a Document for a CELEX or press link, a Procedure for a procedure
    file, a generic feed Document otherwise. The spiders follow the links instead of storing these."""
    out: list[Document | Procedure] = []
    for entry in entries(body, url):
        celex = find_celex(entry.link)
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
            item_id, doc_type = f"celex:{celex[0]}", "other"
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
