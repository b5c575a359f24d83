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

- ``GET /meps/{mep-id}?format=application/ld+json``: the name of each person a procedure names
  only by number (``person/256884``: rapporteurs, shadow rapporteurs, rapporteurs for opinion),
  asked once ever (names are kept in ``ep_odp-people.json`` next to the crawl state). A
  procedure naming people not known yet is read again once their records have answered, and
  stored from that answer (so the item comes from its own page, as every item does); a person
  whose record fails is shown as ``MEP 256884``, and the procedure is read again next run when
  the failure was a passing one.

Feeds take 25-120 s to answer: they get ``[crawl] feed_timeout`` (at least 180 s) and are not
asked again after a timeout. The API allows 500 requests per 5 minutes.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlencode

import scrapy
from scrapy.spidermiddlewares.httperror import HttpError

from policytrack.model import Procedure

from ..errors import ParseError
from ..logs import describe
from ..parsers.ep_odp import parse_person, unnamed_people, with_names
from ..parsers.ep_odp_feed import API, parse_atom, parse_meeting_list
from ..replay.handler import NotRecorded
from ..state import NameCache
from .base import PolicySpider

log = logging.getLogger(__name__)

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
RETRIED = "ep-odp:people"  # the index of procedures read again for their people's names
_PAGE_KEYS = ("role", "kind", "parent", "entry_key", "pending_key", "index")
# A person's record that answered, but not with a name, is no passing failure: asking again next
# run would get the same answer.
_FOR_GOOD = (404, 410)


def record_url(collection: str, identifier: str, media_type: str) -> str:
    return f"{API}{collection}/{identifier}?{urlencode({'format': media_type})}"


@dataclass
class _Held:
    """A procedure record waiting for the names of the people it names, to be read again."""

    missing: set[str]
    meta: dict[str, Any]
    retry: bool = False  # a person's record failed for a passing reason: read it again next run


class EpOdpSpider(PolicySpider):
    name = "ep_odp"
    allowed_domains: ClassVar[list[str]] = ["data.europarl.europa.eu"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.people = NameCache(Path("."))  # (a placeholder, as the state's: from_crawler opens the file)
        self.held: dict[str, _Held] = {}  # procedure URL → the record waiting for names
        self.waiting: dict[str, list[str]] = {}  # person → the procedure URLs waiting for them
        self.asked_people: set[str] = set()  # asked this run (each person once)
        self.unnamed: dict[str, bool] = {}  # whose record failed this run (for a passing reason?)

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any):
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.people = NameCache(spider.state.path.with_name(f"{spider.name}-people.json"))
        return spider

    def _closed(self, spider=None, reason: str = "") -> None:
        for held in self.held.values():  # (a run stopped while names were asked: read them again)
            self.incomplete.add(held.meta.get("index", ""))
        super()._closed(spider, reason)
        self.people.save()

    def index_requests(self):
        # Procedures stored last run with a person shown by a label: read again (not
        # conditionally), under an index of their own (their failure holds back no feed).
        for url in sorted(self.people.retry):
            self.state.forget(url)
            request = self.page_request(
                url,
                "ep-odp-procedure",
                index=RETRIED,
                headers={"Accept": JSONLD},
                callback=self.parse_procedure,
                errback=self.retry_failed,
            )
            if request is not None:
                yield request
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
                callback=self.parse_procedure if collection == "procedures" else self.parse_page,
            )
            if request is not None:
                yield request

    # ------------------------------------------------------------------ procedures and people
    def parse_procedure(self, response):
        """A procedure record: stored when every person it names is known by name (or known to
        have no readable record); else the people not known yet are asked for, and the record
        is read again once they have answered."""
        self.fetched(response)
        meta = response.meta
        items = self.page_items(response)
        if items is None:
            return
        people = unnamed_people([i for i in items if isinstance(i, Procedure)])
        unknown = [p for p in people if p not in self.people.names and p not in self.unnamed]
        if unknown and not meta.get("names_asked"):
            # (only the page's own keys: Scrapy's download keys are the first request's)
            self.held[response.url] = _Held(set(unknown), {k: meta[k] for k in _PAGE_KEYS if k in meta})
            for person in unknown:
                self.waiting.setdefault(person, []).append(response.url)
                if person not in self.asked_people:
                    self.asked_people.add(person)
                    yield self._person_request(person)
            return
        # (people the record names anew between the two readings are left for next run)
        labelled = [p for p in people if p not in self.people.names]
        retry = bool(unknown) or any(self.unnamed.get(p, False) for p in labelled) or meta.get("retry", False)
        yield from (with_names(i, self.people.names) if isinstance(i, Procedure) else i for i in items)
        if labelled:
            self.note(
                "people whose MEP record could not be read are shown by their number (MEP 123456)"
                + ("; their procedures are read again next run" if retry else "")
            )
        if retry:
            self.people.retry.add(response.url)  # (not remembered as read: the next run parses it again)
        else:
            self.people.retry.discard(response.url)
            self.state.remember_content(response.url, response.body)
        self._done(meta)

    def retry_failed(self, failure):
        """A procedure read again for its people failed: said as any page; it is dropped from
        the list when it is gone for good (it stays stored as it was)."""
        if failure.check(HttpError) and failure.value.response.status in _FOR_GOOD:
            self.people.retry.discard(failure.request.url)
        return self.on_error(failure)

    def _person_request(self, person: str) -> scrapy.Request:
        self.crawler.stats.inc_value("policytrack/page_requests")
        return scrapy.Request(
            record_url("meps", person, JSONLD),
            callback=self.parse_person,
            errback=self.person_failed,
            headers={"Accept": JSONLD},
            # Asked before further records (a procedure waits for it); never conditionally: a
            # 304 would bring no name.
            priority=10,
            meta={"role": "page", "person": person, "conditional": False},
            dont_filter=True,
        )

    def parse_person(self, response):
        self.fetched(response)
        person = response.meta["person"]
        try:
            number, name = parse_person(response.body, response.url)
        except ParseError as e:
            log.warning("%s: %s", self.name, e)
            yield from self._settle(person, passing=False)
            return
        if number == person:
            self.people.names[person] = name
        else:  # an answer about someone else names nobody we asked for
            log.warning("%s: %s: the record is of person %s", self.name, response.url, number)
        yield from self._settle(person, passing=False)

    def person_failed(self, failure):
        person = failure.request.meta["person"]
        if failure.check(NotRecorded):
            self.crawler.stats.inc_value("policytrack/not_recorded")
            passing = False
        elif failure.check(HttpError):
            passing = failure.value.response.status not in _FOR_GOOD
            log.warning("%s: %s: HTTP %s", self.name, failure.request.url, failure.value.response.status)
        else:
            passing = True
            log.warning("%s: %s: %s", self.name, failure.request.url, describe(failure.value))
        yield from self._settle(person, passing=passing)

    def _settle(self, person: str, *, passing: bool):
        """The person's record answered or failed: a procedure no longer waiting for anyone is
        read again (not conditionally: a 304 would bring no record), to be stored from its page."""
        if person not in self.people.names:
            self.unnamed[person] = passing
            self.crawler.stats.inc_value("policytrack/people_unnamed")
        for url in self.waiting.pop(person, []):
            held = self.held.get(url)
            if held is None:
                continue
            held.missing.discard(person)
            held.retry = held.retry or (passing and person not in self.people.names)
            if not held.missing:
                del self.held[url]
                self.crawler.stats.inc_value("policytrack/page_requests")
                yield scrapy.Request(
                    url,
                    callback=self.parse_procedure,
                    errback=self.on_error,
                    headers={"Accept": JSONLD},
                    meta={**held.meta, "names_asked": True, "retry": held.retry, "conditional": False},
                    dont_filter=True,
                )

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
