"""Cellar (the Publications Office's machine interface), the backbone for acts and dossiers.

Four SPARQL queries (``spiders.cellar_queries``), one at a time, each paged until a short page
and limited to what changed since its last successful run: the watched acts, the acts citing or
amending them, the works about the watched EuroVoc concepts, the dossiers of the watched
procedures. Then, for each row not seen before, by content negotiation on the work or dossier:

- its XML notice (``Accept: application/xml;notice=branch`` for a work, ``notice=tree`` for a
  dossier; ``Accept-Language: eng``);
- for watched acts and acts amending them, also the official English text (``Accept:
  application/xhtml+xml``, ``Accept-Language: eng``), so that search has the full text even where
  EUR-Lex pages are blocked. Notice and text become one Document (the text alone, when the notice
  could not be had).
"""

from __future__ import annotations

from typing import ClassVar
from urllib.parse import urlencode

import scrapy

from policytrack.model import Document

from ..cellar_queries import PAGE, Query, queries
from ..errors import ParseError
from ..middlewares import BotChallenge, HostBlocked
from ..parsers import parse
from ..parsers.sparql import SPARQL_ENDPOINT, Row, dossier_url, parse_answer, work_url
from ..replay.handler import NotRecorded
from .base import PolicySpider

SPARQL_JSON = "application/sparql-results+json"
MAX_PAGES = 200  # a runaway answer (the same full page again and again) stops here
_NOTICE = {"celex": "application/xml;notice=branch", "procedure": "application/xml;notice=tree"}
XHTML = "application/xhtml+xml"
# One address answers a notice or a text as the Accept header asks; Scrapy's HTTP cache keys on
# the address alone, so these answers are not cached (the SPARQL row stamps say what changed).
NEGOTIATED = {"dont_cache": True}


class CellarSpider(PolicySpider):
    name = "cellar"
    allowed_domains: ClassVar[list[str]] = ["publications.europa.eu"]

    def index_requests(self):
        settings = self.crawler.settings
        self.watched = set(settings.getlist("POLICYTRACK_WATCHED_CELEX"))
        self.queue = queries(
            settings.getlist("POLICYTRACK_WATCHED_CELEX"),
            settings.getlist("POLICYTRACK_WATCHED_PROCEDURES"),
            settings.getlist("POLICYTRACK_WATCHED_EUROVOC"),
        )
        self.timeout = settings.getfloat("POLICYTRACK_SPARQL_TIMEOUT", 240)
        if self.queue:
            yield self._query(self.queue.pop(0), 0)

    def _query(self, query: Query, offset: int) -> scrapy.Request:
        text = query.text(self.state.last_success(query.index), offset, now=self.started)
        # POST: the query text is long (the watch list), and GET URLs past ~2 000 characters fail.
        return self.index_request(
            SPARQL_ENDPOINT,
            self.parse_results,
            index=query.index,
            slow=self.timeout,
            method="POST",
            body=urlencode({"query": text, "format": SPARQL_JSON}),
            headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": SPARQL_JSON},
            cb_kwargs={"query": query, "offset": offset},
            meta={"conditional": False},
            errback=self.query_failed,
        )

    def query_failed(self, failure):
        self.on_error(failure)
        if self.queue:  # the next query goes out even when this one failed
            yield self._query(self.queue.pop(0), 0)

    def parse_results(self, response, query: Query, offset: int):
        self.fetched(response)
        rows: list[Row] | None = None
        try:
            rows, held = parse_answer(response.body, response.url)
        except ParseError as e:
            self.fail(response.url, f"{query.name}: {e}", index=query.index, is_index=True)
        for row in rows or ():
            request = self._follow(row, query)
            if request is not None:
                yield request
        if rows is not None and held >= PAGE and offset // PAGE < MAX_PAGES:
            yield self._query(query, offset + PAGE)
            return
        if rows is not None:
            self.index_answered(query.index)
        if self.queue:
            yield self._query(self.queue.pop(0), 0)

    # ------------------------------------------------------------------ rows → notices and texts
    def _follow(self, row: Row, query: Query) -> scrapy.Request | None:
        if self.state.seen(row.key):
            self.crawler.stats.inc_value("policytrack/skipped_seen")
            return None
        if row.kind == "procedure":
            url, with_text = dossier_url(row.identifier), False
        else:
            url, with_text = work_url(row.identifier), row.identifier in self.watched or row.relation == "amends"
        headers = {"Accept": _NOTICE[row.kind], "Accept-Language": "eng"}
        if not with_text:
            return self.page_request(
                url,
                "cellar-notice",
                parent=SPARQL_ENDPOINT,
                entry_key=row.key,
                index=query.index,
                headers=headers,
                meta=NEGOTIATED,
            )
        return self.page_request(
            url,
            "cellar-notice",
            entry_key=row.key,
            index=query.index,
            headers=headers,
            callback=self.parse_notice,
            errback=self.notice_failed,
            meta={**NEGOTIATED, "conditional": False},  # notice and text share the address: no validators
        )

    def parse_notice(self, response):
        self.fetched(response)
        notice: Document | None = None
        try:
            [item] = parse("cellar-notice", response.body, response.url)
            notice = item if isinstance(item, Document) else None
        except (ParseError, ValueError) as e:
            self.fail(response.url, str(e), index=response.meta["index"])
        yield self._text_request(response.request, notice, complete=notice is not None)

    def notice_failed(self, failure):
        request = failure.request
        if failure.check(BotChallenge, HostBlocked):
            self.on_error(failure)  # the host is blocked: no text either
            return
        gap = failure.check(NotRecorded) is not None
        if gap:
            self.crawler.stats.inc_value("policytrack/not_recorded")
        else:
            self.on_error(failure)
        yield self._text_request(request, None, complete=gap)

    def _text_request(self, notice_request: scrapy.Request, notice: Document | None, *, complete: bool):
        meta = {k: notice_request.meta[k] for k in ("entry_key", "pending_key", "index")}
        self.crawler.stats.inc_value("policytrack/page_requests")
        return scrapy.Request(
            notice_request.url,
            headers={"Accept": XHTML, "Accept-Language": "eng"},
            callback=self.parse_text,
            errback=self.text_failed,
            cb_kwargs={"notice": notice, "complete": complete},
            meta={**meta, **NEGOTIATED, "role": "page", "conditional": False},
            dont_filter=True,
        )

    def parse_text(self, response, notice: Document | None, complete: bool):
        self.fetched(response)
        try:
            [text] = parse("cellar-text", response.body, response.url)
            if not isinstance(text, Document):
                raise ValueError("not a document")
        except (ParseError, ValueError) as e:
            self.fail(response.url, str(e), index=response.meta["index"])
            if notice is not None:
                yield notice
            return
        yield merge(notice, text) if notice is not None else text
        if complete:
            self._done(response.meta)

    def text_failed(self, failure):
        notice = failure.request.cb_kwargs["notice"]
        gap = failure.check(NotRecorded) is not None
        if gap:
            self.crawler.stats.inc_value("policytrack/not_recorded")
        else:
            self.on_error(failure)
        if notice is not None:
            yield notice
            if gap and failure.request.cb_kwargs["complete"]:
                self._done(failure.request.meta)


def merge(notice: Document, text: Document) -> Document:
    """The notice's facts with the official text and its structure (and what only the text
    printed: its ELI, its publication date)."""
    return notice.replace(
        text=text.text,
        sections=text.sections,
        eli=notice.eli or text.eli,
        dates={**text.dates, **notice.dates},
        date=notice.date or text.date,
    )
