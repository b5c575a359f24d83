"""EP Open Data Portal API v2, the backbone for the Parliament's side of a dossier.

Only paths and parameters its OpenAPI description lists (``tests/fixtures/real/ep-odp/
openapi-v2.json``; the suite checks every URL of a replayed crawl against it):

- ``GET /procedures/feed?timeframe=custom&start-date=YYYY-MM-DD`` (``timeframe=one-month`` on a
  first run) and ``GET /plenary-documents/feed`` (no parameters: the last month), as Atom
  (``Accept: application/atom+xml``; a 204 means nothing changed). Each entry's ``updated`` says
  whether its record changed since it was last followed.
- ``GET /meetings?year=YYYY&format=application/ld+json&offset=N&limit=50``: meetings have no feed.
  Sittings not fetched before, and those from a week before the last successful run on (their
  agendas and votes change), are read.
- Records: ``/procedures/{process-id}`` and ``/plenary-documents/{doc-id}`` as JSON-LD,
  ``/meetings/{event-id}`` as RDF/XML. Planned plenary activity of a procedure
  (``was_scheduled_in`` / ``ForeseenActivity``) is kept as forecast events by its parser.

Feeds take 25-120 s to answer: they get ``[crawl] feed_timeout`` (at least 180 s) and are not
asked again after a timeout. The API allows 500 requests per 5 minutes.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import ClassVar
from urllib.parse import urlencode

from ..errors import ParseError
from ..parsers.ep_odp_feed import API, parse_atom, parse_meeting_list
from .base import PolicySpider

ATOM = "application/atom+xml"
JSONLD = "application/ld+json"
RDFXML = "application/rdf+xml"
MEETINGS_PAGE = 50
_PROCESS_ID = re.compile(r"^[0-9]{4}-[0-9]{4}[A-Z]?$")  # the description's pattern for process-id
# feed → (parser kind of its records, their format)
RECORDS = {
    "procedures": ("ep-odp-procedure", JSONLD),
    "plenary-documents": ("ep-odp-document", JSONLD),
}
RECENT_SITTINGS = timedelta(days=7)


def record_url(collection: str, identifier: str, media_type: str) -> str:
    return f"{API}{collection}/{identifier}?{urlencode({'format': media_type})}"


class EpOdpSpider(PolicySpider):
    name = "ep_odp"
    allowed_domains: ClassVar[list[str]] = ["data.europarl.europa.eu"]

    def index_requests(self):
        timeout = self.crawler.settings.getfloat("POLICYTRACK_FEED_TIMEOUT", 240)
        since = self.state.last_success("ep-odp:procedures/feed")
        # start-date is a date: the day of the last successful run is asked again (entries
        # already followed are skipped by their key).
        window = (
            {"timeframe": "custom", "start-date": since.date().isoformat()} if since else {"timeframe": "one-month"}
        )
        for collection, query in (("procedures", window), ("plenary-documents", {})):
            url = f"{API}{collection}/feed" + (f"?{urlencode(query)}" if query else "")
            yield self.index_request(
                url,
                self.parse_atom_feed,
                index=f"ep-odp:{collection}/feed",
                slow=timeout,
                headers={"Accept": ATOM},
                cb_kwargs={"collection": collection},
            )
        last = self.state.last_success("ep-odp:meetings")
        first_year = (last - RECENT_SITTINGS).year if last else self.started.year
        for year in range(first_year, self.started.year + 1):
            yield self._meetings(year, 0)

    # ------------------------------------------------------------------ feeds
    def parse_atom_feed(self, response, collection: str):
        self.fetched(response)
        index = response.meta["index"]
        if response.status == 204:  # nothing published or updated in the window
            self.crawler.stats.inc_value("policytrack/index_not_modified")
            self.index_answered(index)
            return
        try:
            entries = parse_atom(response.body, response.url)
        except ParseError as e:
            self.fail(response.url, str(e), index=index, is_index=True)
            return
        self.index_answered(index)
        kind, media_type = RECORDS[collection]
        for entry in entries:
            found, identifier = entry.record.split("/", 1)
            if found != collection or (collection == "procedures" and not _PROCESS_ID.match(identifier)):
                continue  # not a record of this feed's collection: the API has no other path for it
            if self.state.seen(entry.key):
                self.crawler.stats.inc_value("policytrack/skipped_seen")
                continue
            request = self.page_request(
                record_url(collection, identifier, media_type),
                kind,
                parent=response.url,
                entry_key=entry.key,
                index=index,
                headers={"Accept": media_type},
            )
            if request is not None:
                yield request

    # ------------------------------------------------------------------ meetings
    def _meetings(self, year: int, offset: int):
        query = {"year": year, "format": JSONLD, "offset": offset, "limit": MEETINGS_PAGE}
        return self.index_request(
            f"{API}meetings?{urlencode(query)}",
            self.parse_meetings,
            index="ep-odp:meetings",
            headers={"Accept": JSONLD},
            cb_kwargs={"year": year, "offset": offset},
        )

    def parse_meetings(self, response, year: int, offset: int):
        self.fetched(response)
        index = response.meta["index"]
        if response.status == 204:
            self.index_answered(index)
            return
        try:
            sittings, count = parse_meeting_list(response.body, response.url)
        except ParseError as e:
            self.fail(response.url, str(e), index=index, is_index=True)
            return
        last = self.state.last_success(index)
        recent = (last - RECENT_SITTINGS).date() if last else date.min
        for sitting in sittings:
            key = f"meetings/{sitting}"
            if self.state.seen(key) and _sitting_date(sitting) < recent:
                self.crawler.stats.inc_value("policytrack/skipped_seen")
                continue
            request = self.page_request(
                record_url("meetings", sitting, RDFXML),
                "ep-odp-meeting",
                parent=response.url,
                entry_key=key,
                index=index,
                headers={"Accept": RDFXML},
            )
            if request is not None:
                yield request
        if count >= MEETINGS_PAGE:
            yield self._meetings(year, offset + MEETINGS_PAGE)
        elif year == self.started.year:
            self.index_answered(index)


def _sitting_date(sitting: str) -> date:
    return date.fromisoformat(sitting[-10:])
