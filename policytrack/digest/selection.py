"""What goes into one subscriber's digest for one period.

Built in two phases (like the site): a ``Selector`` loads what every digest of a run shares once
(procedures, upcoming dates, the changes of each period, briefing notes), then ``select`` picks
per subscriber: changed documents and procedures on their topics or saved searches, grouped by
dossier; new briefing notes and recommendations; upcoming dates on their topics.
Subscribers who follow the same things get the same (cached) content.

Only tracked items are digested, with the topics the store gave them (the one topic rule,
``policytrack.topics``), and only changes that are news (``Change.news``: not from a source's
baseline crawl, not an old item newly met); each change carries its legislative date.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from ..config import Settings
from ..errors import PolicytrackError
from ..model import Document, Note, Procedure
from ..store import Change, Store, Subscriber
from ..timeutil import Period
from ..topics import note_topics
from ..upcoming import UpcomingDate, upcoming_dates
from ..urls import absolute, item_path
from .errors import DigestError

log = logging.getLogger(__name__)

# A digest is read, not searched: past this many documents a dossier shows "and N more" with a
# link to its page (which lists them all).
MAX_DOCUMENTS_PER_DOSSIER = 10
NOTE_TYPES = ("briefing", "recommendation")


class SearchBackend(Protocol):
    """What the digest needs of ``indexer.base.Backend``."""

    def ids(self, query: str, *, changed_since: datetime | None = None) -> Iterable[str]: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class ChangeLine:
    kind: str  # "new", "changed", "stage", "event"
    detail: dict[str, Any]
    happened: date | None = None  # the legislative date of what happened


@dataclass(frozen=True)
class Entry:
    item_id: str
    kind: str  # "document" or "procedure"
    title: str
    url: str
    doc_type: str = ""
    date: date | None = None
    changes: tuple[ChangeLine, ...] = ()


@dataclass(frozen=True)
class Dossier:
    reference: str | None  # None: documents outside any procedure
    title: str
    url: str
    stage: str = ""
    entries: tuple[Entry, ...] = ()
    more: int = 0  # documents left out of ``entries`` (see MAX_DOCUMENTS_PER_DOSSIER)
    key_players: tuple[str, ...] = ()  # committees, rapporteurs and shadows with their groups


@dataclass(frozen=True)
class NoteLine:
    note_type: str
    title: str
    date: date
    summary: str
    url: str


@dataclass(frozen=True)
class UpcomingLine:
    date: date
    title: str
    kind: str
    url: str


@dataclass(frozen=True)
class DigestContent:
    period: Period
    dossiers: tuple[Dossier, ...] = ()
    notes: tuple[NoteLine, ...] = ()
    upcoming: tuple[UpcomingLine, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        """Nothing new: upcoming dates alone do not make a digest worth sending."""
        return not self.dossiers and not self.notes

    @property
    def count(self) -> int:
        return sum(len(d.entries) + d.more for d in self.dossiers) + len(self.notes)


@dataclass
class _PeriodData:
    changes: dict[str, list[Change]] = field(default_factory=dict)  # item id → changes, oldest first
    items: dict[str, Document | Procedure] = field(default_factory=dict)


class Selector:
    """Shared, read-once data for a digest run; ``select`` gives one subscriber's content."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        *,
        now: datetime,
        notes: Iterable[Note] = (),
        backend: SearchBackend | None = None,
        backend_error: str = "",
    ) -> None:
        self.store = store
        self.settings = settings
        self.backend = backend
        self.backend_error = backend_error or (
            "subscribers follow saved searches but no search index is open (run `policytrack index` first)"
        )
        self.base_url = settings.site.base_url
        store.use_topics(settings.topics)  # tagged with these topics (again, if they changed)
        self.procedures: dict[str, Procedure] = {
            p.reference: p for p in store.items("procedure", tracked=True) if isinstance(p, Procedure)
        }
        today = now.date()
        horizon = today + timedelta(weeks=max(settings.digest.upcoming_weeks, 0))
        docs = [d for d in store.items("document", tracked=True) if isinstance(d, Document) and d.dates]
        dated: list[Document | Procedure] = [*self.procedures.values(), *docs]
        self.upcoming: list[UpcomingDate] = upcoming_dates(dated, today, horizon)
        self.topics_of: dict[str, frozenset[str]] = {d.id: frozenset(d.topics) for d in dated}
        dossiers = {ref: p.topics for ref, p in self.procedures.items()}
        self.notes = [
            n.replace(topics=note_topics(n, settings.topics, dossiers))
            for n in notes
            if n.note_type in NOTE_TYPES and n.status == "published"
        ]
        self._periods: dict[Period, _PeriodData] = {}
        self._searches: dict[tuple[str, datetime], frozenset[str] | str] = {}
        self._content: dict[tuple, DigestContent] = {}

    # -- shared, per period
    def _period(self, period: Period) -> _PeriodData:
        data = self._periods.get(period)
        if data is None:
            data = _PeriodData()
            for change in self.store.changes(period.start, period.end):
                if change.kind in ("document", "procedure") and change.news:
                    data.changes.setdefault(change.item_id, []).append(change)
            for item_id in data.changes:
                rec = self.store.get_record(item_id)
                if rec is not None and rec.tracked and isinstance(rec.item, (Document, Procedure)):
                    data.items[item_id] = rec.item
            self._periods[period] = data
        return data

    def _search(self, query: str, period: Period) -> frozenset[str] | str:
        """Matching ids, or the reason the query failed (reported in the digest run, not raised)."""
        key = (query, period.start)
        if key not in self._searches:
            if self.backend is None:
                raise DigestError(self.backend_error)
            try:
                self._searches[key] = frozenset(self.backend.ids(query, changed_since=period.start))
            except PolicytrackError as e:
                if not isinstance(e, ValueError):
                    # The index is down or broken: fail this digest (sent on the next run)
                    # rather than close the period without the search's results.
                    raise DigestError(f"saved search {query!r}: {e}") from None
                # A malformed query stays malformed: report it, send the rest of the digest.
                self._searches[key] = f"query {query!r} failed: {e}"
        return self._searches[key]

    def queries_of(self, subscriber: Subscriber) -> tuple[str, ...]:
        named = {s.name: s.query for s in self.settings.saved_searches}
        out = [named[n] for n in subscriber.searches if n in named]
        return tuple(dict.fromkeys([*out, *subscriber.queries]))

    # -- per subscriber
    def select(self, subscriber: Subscriber, period: Period) -> DigestContent:
        queries = self.queries_of(subscriber)
        key = (period, frozenset(subscriber.topics), queries)
        if key not in self._content:
            self._content[key] = self._select(frozenset(subscriber.topics), queries, period)
        return self._content[key]

    def _select(self, topics: frozenset[str], queries: tuple[str, ...], period: Period) -> DigestContent:
        data = self._period(period)
        warnings: list[str] = []
        found: set[str] = set()
        for query in queries:
            result = self._search(query, period)
            if isinstance(result, str):
                warnings.append(result)
            else:
                found |= result
        chosen = [item for item_id, item in data.items.items() if item_id in found or set(item.topics) & topics]
        dossiers = self._group(chosen, data)
        start, end = period.start.date(), period.end.date()
        notes = tuple(
            NoteLine(n.note_type, n.title, n.date, n.summary, absolute(self.base_url, item_path(n.id)))
            for n in self.notes
            if start <= n.date < end and (not n.topics or set(n.topics) & topics)
        )
        upcoming = tuple(
            UpcomingLine(u.date, u.title, u.kind, absolute(self.base_url, item_path(u.item_id)))
            for u in self.upcoming
            if u.item_id in found or self.topics_of.get(u.item_id, frozenset()) & topics
        )
        return DigestContent(period, dossiers, notes, upcoming, tuple(warnings))

    def _group(self, items: list[Document | Procedure], data: _PeriodData) -> tuple[Dossier, ...]:
        groups: dict[str | None, list[Entry]] = {}
        for item in items:
            lines = tuple(ChangeLine(c.change, c.detail, c.happened) for c in data.changes.get(item.id, ()))
            if isinstance(item, Procedure):
                groups.setdefault(item.reference, []).insert(
                    0,
                    Entry(item.id, "procedure", item.title, absolute(self.base_url, item_path(item.id)), changes=lines),
                )
            else:
                groups.setdefault(item.procedure, []).append(
                    Entry(
                        item.id,
                        "document",
                        item.title,
                        absolute(self.base_url, item_path(item.id)),
                        item.doc_type,
                        item.date,
                        lines,
                    )
                )
        out = []
        for reference in sorted(groups, key=lambda r: (r is None, r or "")):
            entries = groups[reference]
            docs = sorted(
                (e for e in entries if e.kind == "document"), key=lambda e: (e.date or date.min, e.title), reverse=True
            )
            more = max(len(docs) - MAX_DOCUMENTS_PER_DOSSIER, 0)
            entries = [e for e in entries if e.kind == "procedure"] + docs[:MAX_DOCUMENTS_PER_DOSSIER]
            if reference is None:
                out.append(Dossier(None, "", absolute(self.base_url, ""), "", tuple(entries), more))
                continue
            proc = self.procedures.get(reference)
            out.append(
                Dossier(
                    reference,
                    proc.title if proc else reference,
                    absolute(self.base_url, item_path(f"proc:{reference}")),
                    proc.stage if proc else "",
                    tuple(entries),
                    more,
                    tuple(str(kp) for kp in proc.key_players) if proc else (),
                )
            )
        return tuple(out)
