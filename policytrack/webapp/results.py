"""A search as the app shows it: the request's parameters, result rows with their links, facet
values as links that narrow the query, and the JSON, CSV and Atom forms of a result.

Facet links add a term of the query language (``topic:due-diligence``, ``type:"press release"``,
``stage:"Procedure completed"``), so every narrowed search is an ordinary query a person can
read, edit, save or follow as a feed.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from urllib.parse import urlencode, urlsplit

from feedgen.feed import FeedGenerator

from indexer import Hit, SearchResult, SectionHit
from indexer.base import SORTS
from indexer.sections import citation

from ..errors import IdentifierError
from ..urls import absolute, fragment, item_path, official_text_url
from .errors import BadRequest
from .render import plain

PER_PAGE = 20
MAX_PER_PAGE = 100
MAX_DEPTH = 10_000  # no page past the 10 000th hit: deep pages cost every backend dearly
FEED_ENTRIES = 50

# facet name (as backends report it) → (label, field of the query language)
FACETS: dict[str, tuple[str, str]] = {
    "topic": ("Topic", "topic"),
    "type": ("Type", "type"),
    "stage": ("Stage", "stage"),
    "author": ("Institution or key player", "author"),
    "year": ("Year", "year"),
    "procedure_type": ("Procedure", "type"),
}
_BARE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


@dataclass(frozen=True)
class SearchParams:
    q: str
    sort: str
    page: int
    per_page: int

    def url_query(self, **changes: object) -> str:
        values = {"q": self.q, "sort": self.sort, "page": self.page, **changes}
        if values["sort"] == "relevance":
            del values["sort"]
        if values["page"] == 1:
            del values["page"]
        return urlencode(values)


def _int(params: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise BadRequest(f"{name} must be a whole number from {low} to {high}, got {raw[:20]!r}")
    return int(raw)


def parse_params(
    params: Mapping[str, str], *, max_chars: int, per_page: int = PER_PAGE, sort: str = "relevance"
) -> SearchParams:
    """The search a request asks for; BadRequest (400) with a reason for anything out of bounds."""
    q = params.get("q", "")
    if len(q) > max_chars:
        raise BadRequest(f"The query is longer than {max_chars} characters ({len(q)}).")
    sort = params.get("sort") or sort
    if sort not in SORTS:
        raise BadRequest(f"sort must be one of {', '.join(SORTS)}, got {sort[:20]!r}")
    per_page = _int(params, "per_page", per_page, 1, MAX_PER_PAGE)
    page = _int(params, "page", 1, 1, MAX_DEPTH)
    if page * per_page > MAX_DEPTH:
        raise BadRequest(f"Only the first {MAX_DEPTH} results can be paged through; narrow the query instead.")
    return SearchParams(q.strip(), sort, page, per_page)


def facet_term(name: str, value: str) -> str | None:
    """The query term that selects ``value`` of facet ``name`` (None when it cannot be written:
    the query language has no escape for a double quote inside a quoted value)."""
    field = FACETS.get(name, ("", ""))[1]
    if not field or not value.strip() or '"' in value:
        return None
    return f"{field}:{value}" if _BARE.fullmatch(value) else f'{field}:"{value}"'


def with_term(q: str, term: str) -> str:
    return f"{q} {term}".strip()


def without_term(q: str, term: str) -> str:
    return " ".join(q.replace(term, " ").split())


@dataclass(frozen=True)
class Part:
    """A part of an act that holds the words (an article, recital, annex), with its links."""

    hit: SectionHit
    page_url: str | None  # the static site's document page, at the part
    official_url: str | None  # the Official Journal text on EUR-Lex, at the part

    def as_json(self) -> dict[str, object]:
        h = self.hit
        return {
            "label": h.label,
            "anchor": h.anchor,
            "kind": h.kind,
            "snippet": h.snippet,
            "page_url": self.page_url,
            "official_url": self.official_url,
        }


@dataclass(frozen=True)
class Row:
    hit: Hit
    page_url: str | None  # the static site's page
    source_url: str | None  # the institution's page, http(s) only
    parts: tuple[Part, ...] = ()  # the best matching parts of an act (articles first)

    @property
    def more_parts(self) -> int:
        return self.hit.sections_total - len(self.parts)

    def as_json(self) -> dict[str, object]:
        h = self.hit
        return {
            "id": h.id,
            "kind": h.kind,
            "type": h.doc_type,
            "title": h.title,
            "date": h.date or None,
            "procedure": h.procedure,
            "celex": h.celex,
            "topics": list(h.topics),
            "section": h.section or None,
            "anchor": h.anchor or None,
            "sections": [p.as_json() for p in self.parts],
            "sections_total": h.sections_total,
            "snippet": h.snippet,
            "score": h.score,
            "page_url": self.page_url,
            "source_url": self.source_url,
        }


def page_url(site_url: str, hit: Hit, anchor: str = "") -> str | None:
    try:
        path = item_path(hit.id)
    except IdentifierError:  # a procedure id that is not a reference: the site has no page
        return None
    return absolute(site_url, path) + fragment(anchor)


def rows(result: SearchResult, site_url: str) -> list[Row]:
    out = []
    for hit in result.hits:
        source = hit.url if urlsplit(hit.url).scheme in ("http", "https") else None
        parts = tuple(
            Part(s, page_url(site_url, hit, s.anchor), official_text_url(hit.celex, s.anchor) if hit.celex else None)
            for s in hit.sections
        )
        out.append(Row(hit, page_url(site_url, hit), source, parts))
    return out


def facet_json(result: SearchResult, q: str) -> dict[str, list[dict[str, object]]]:
    out: dict[str, list[dict[str, object]]] = {}
    for facet in result.facets:
        entries: list[dict[str, object]] = []
        for value, count in facet.counts:
            term = facet_term(facet.name, value)
            entries.append({"value": value, "count": count, "query": with_term(q, term) if term else None})
        out[facet.name] = entries
    return out


def as_json(params: SearchParams, result: SearchResult, found: list[Row]) -> dict[str, object]:
    return {
        "query": params.q,
        "sort": params.sort,
        "page": params.page,
        "per_page": params.per_page,
        "total": result.total,
        "results": [r.as_json() for r in found],
        "facets": facet_json(result, params.q),
    }


CSV_COLUMNS = (
    "id",
    "kind",
    "type",
    "date",
    "title",
    "procedure",
    "celex",
    "section",
    "page_url",
    "section_url",
    "source_url",
    "snippet",
)


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    # A cell a spreadsheet would run as a formula (scraped titles are untrusted): keep it text.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def as_csv(found: list[Row]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for r in found:
        h = r.hit
        values = (h.id, h.kind, h.doc_type, h.date, h.title, h.procedure, h.celex, h.section)
        part = r.parts[0] if r.parts else None
        snippet = part.hit.snippet if part else h.snippet
        links = (r.page_url, part.page_url if part else None, r.source_url)
        writer.writerow([_cell(v) for v in (*values, *links, plain(snippet))])
    return buf.getvalue()


def _day(text: str) -> datetime | None:
    try:
        return datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC)
    except ValueError:
        return None


def as_atom(params: SearchParams, found: list[Row], *, title: str, feed_url: str, html_url: str) -> bytes:
    """The search as an Atom feed, newest first; an undated item takes the newest date."""
    fg = FeedGenerator()
    fg.id(feed_url)
    fg.title(f"{title}: {params.q or 'everything'}")
    fg.link(href=html_url, rel="alternate", type="text/html")
    fg.link(href=feed_url, rel="self", type="application/atom+xml")
    dates = [d for d in (_day(r.hit.date) for r in found) if d]
    newest = max(dates, default=datetime(2000, 1, 1, tzinfo=UTC))
    fg.updated(newest)
    for r in found:
        h = r.hit
        fe = fg.add_entry(order="append")
        fe.id(r.page_url or f"urn:policytrack:{h.id}")
        fe.title(citation(h.title, h.section))
        link = r.parts[0].page_url if r.parts else r.page_url
        if link:
            fe.link(href=link, rel="alternate", type="text/html")
        fe.updated(_day(h.date) or newest)
        snippet = r.parts[0].hit.snippet if r.parts else h.snippet
        if snippet:
            fe.summary(plain(snippet))
        for topic in h.topics:
            fe.category(term=topic)
    return fg.atom_str(pretty=True)
