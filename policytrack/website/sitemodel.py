"""Phase one of a build: read everything once and cross-link it into one model.

Pages are rendered from this model only (phase two), so every page sees the same picture of
the store and the content, and the incremental builder can hash each page's inputs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from ..content import line_of, load_content, references
from ..errors import PolicytrackError
from ..identifiers import celex_and_base
from ..model import Document, Note, Procedure, Topic
from ..store import Change, Store, StoredItem
from ..topics import note_topics
from ..upcoming import UpcomingDate, upcoming_dates

RECENT_DAYS = 30
UPCOMING_DAYS = 365


@dataclass(frozen=True)
class Stamp:
    """What the store knows about an item besides its content."""

    hash: str
    first_seen: datetime
    last_changed: datetime


@dataclass
class SiteModel:
    title: str
    base_url: str
    now: datetime
    topics: tuple[Topic, ...]
    unsubscribe_address: str = ""
    procedures: dict[str, Procedure] = field(default_factory=dict)  # by reference
    documents: dict[str, Document] = field(default_factory=dict)  # by id
    stamps: dict[str, Stamp] = field(default_factory=dict)  # by item id
    notes: list[Note] = field(default_factory=list)  # newest first
    note_hashes: dict[str, str] = field(default_factory=dict)  # by slug
    celex_to_doc: dict[str, str] = field(default_factory=dict)
    docs_by_proc: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    notes_by_proc: dict[str, list[Note]] = field(default_factory=lambda: defaultdict(list))
    notes_by_doc: dict[str, list[Note]] = field(default_factory=lambda: defaultdict(list))
    topic_procs: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    proc_topics: dict[str, list[str]] = field(default_factory=dict)  # reference → topic slugs
    topic_docs: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    topic_notes: dict[str, list[Note]] = field(default_factory=lambda: defaultdict(list))
    changes: list[Change] = field(default_factory=list)  # recent, newest first
    upcoming: list[UpcomingDate] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    skipped: set[str] = field(default_factory=set)  # ids of stored items that are not valid

    @property
    def today(self) -> date:
        return self.now.date()

    def doc_for_celex(self, celex: str | None) -> Document | None:
        if not celex:
            return None
        doc_id = self.celex_to_doc.get(celex)
        return self.documents.get(doc_id) if doc_id else None

    def topic(self, slug: str) -> Topic | None:
        return next((t for t in self.topics if t.slug == slug), None)

    def note_topics(self, note: Note) -> list[Topic]:
        return [t for t in self.topics if t.slug in note.topics]


def _skip(model: SiteModel, item_id: str, error: Exception) -> None:
    """A stored item that is no valid item (an old store, a hand-edited row) is left out of the
    site, with a warning naming it; the rest is built."""
    model.skipped.add(item_id)
    model.warnings.append(f"store: skipped {item_id}: {' '.join(str(error).split())[:300]}")


def _celex_keys(celex: str) -> list[str]:
    """A document answers to its own CELEX and, for a consolidated text, to the act's."""
    return list(celex_and_base(celex))


def build_model(
    store: Store | None,
    content_dir: Path | None,
    *,
    title: str,
    base_url: str,
    topics: Iterable[Topic],
    now: datetime,
    unsubscribe_address: str = "",
) -> SiteModel:
    """Everything a build needs, cross-linked. ``store`` may be None (content only).

    Only tracked items are published (docs/dossiers.md): the store says which, having tagged
    every item with the one topic rule; notes are tagged with the same rule here."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    model = SiteModel(
        title=title, base_url=base_url, now=now, topics=tuple(topics), unsubscribe_address=unsubscribe_address
    )
    records: list[StoredItem] = []
    if store is not None:
        records = list(store.records(tracked=True, on_invalid=lambda i, e: _skip(model, i, e)))
    for rec in records:
        item = rec.item
        stamp = Stamp(rec.hash, rec.first_seen, rec.last_changed)
        if isinstance(item, Procedure):
            model.procedures[item.reference] = item
            model.stamps[item.id] = stamp
        elif isinstance(item, Document):
            model.documents[item.id] = item
            model.stamps[item.id] = stamp
    _link_documents(model)
    _assign_topics(model)
    if content_dir is not None:
        notes, errors = load_content(content_dir)
        model.notes = notes
        model.errors += [str(e) for e in errors]
        for note in notes:
            model.note_hashes[note.slug] = note.content_hash()
        _link_notes(model, store)
    if store is not None:
        since = datetime.combine(model.today - timedelta(days=RECENT_DAYS), time(0), UTC)
        model.changes = [c for c in reversed(store.changes(since=since)) if c.news and c.item_id in model.stamps]
    model.upcoming = upcoming_dates(
        [*model.procedures.values(), *model.documents.values()],
        model.today,
        model.today + timedelta(days=UPCOMING_DAYS),
    )
    return model


def _link_documents(model: SiteModel) -> None:
    for doc in model.documents.values():
        if doc.celex:
            for key in _celex_keys(doc.celex):
                # The act itself wins over a consolidated version for the same key.
                if key not in model.celex_to_doc or key == doc.celex:
                    model.celex_to_doc[key] = doc.id
    seen: dict[str, set[str]] = defaultdict(set)
    for doc in model.documents.values():
        if doc.procedure and doc.procedure in model.procedures:
            model.docs_by_proc[doc.procedure].append(doc.id)
            seen[doc.procedure].add(doc.id)
    for ref, proc in model.procedures.items():
        linked = [*proc.documents, *([proc.final_act] if proc.final_act else [])]
        for value in linked:
            doc_id = value if value in model.documents else model.celex_to_doc.get(value)
            if doc_id and doc_id not in seen[ref]:
                model.docs_by_proc[ref].append(doc_id)
                seen[ref].add(doc_id)
    for ids in model.docs_by_proc.values():
        ids.sort(key=lambda i: (model.documents[i].date or date.min, i), reverse=True)


def _assign_topics(model: SiteModel) -> None:
    """Topic pages list the items the store tagged with the topic (the one topic rule)."""
    known = {t.slug for t in model.topics}
    for ref, proc in model.procedures.items():
        model.proc_topics[ref] = [t for t in proc.topics if t in known]
        for s in model.proc_topics[ref]:
            model.topic_procs[s].append(ref)
    for doc in model.documents.values():
        for s in doc.topics:
            if s in known:
                model.topic_docs[s].append(doc.id)
    for slug in model.topic_procs:
        model.topic_procs[slug].sort()
    for ids in model.topic_docs.values():
        ids.sort(key=lambda i: (model.documents[i].date or date.min, i), reverse=True)


def _link_notes(model: SiteModel, store: Store | None) -> None:
    known = {t.slug for t in model.topics}

    def missing(kind: str, value: str, item_id: str, where: str) -> None:
        try:
            stored = store is not None and item_id not in model.skipped and store.get_record(item_id) is not None
        except (PolicytrackError, ValueError, TypeError) as e:
            _skip(model, item_id, e)
            stored = False
        if item_id in model.skipped:
            problem = f"{kind} {value} was skipped (its stored data is invalid)"
        elif stored:
            problem = f"{kind} {value} is not tracked (in no topic: add it to a topic's watch list to publish it)"
        else:
            problem = f"unknown {kind} {value} (not in the store)"
        model.warnings.append(f"{where}: {problem}")

    tagged = []
    for note in model.notes:
        for ref in references(note):
            value = ref.value
            where = f"{ref.file}:{ref.line}"
            if "(" in value:  # a procedure reference
                if value in model.procedures:
                    if note not in model.notes_by_proc[value]:
                        model.notes_by_proc[value].append(note)
                else:
                    missing("procedure", value, f"proc:{value}", where)
            else:
                doc = model.doc_for_celex(value)
                if doc is not None:
                    if note not in model.notes_by_doc[doc.id]:
                        model.notes_by_doc[doc.id].append(note)
                    if doc.procedure in model.procedures and note not in model.notes_by_proc[doc.procedure]:
                        model.notes_by_proc[doc.procedure].append(note)
                else:
                    missing("CELEX", value, f"celex:{value}", where)
        for s in sorted(set(note.topics) - known):
            model.warnings.append(f"{note.source_file}:{line_of(note.source_file, s)}: unknown topic {s!r}")
        tagged.append(note.replace(topics=note_topics(note, model.topics, model.proc_topics)))
    # The notes carry the topics of the one rule from here on (pages, feeds, search).
    by_id = {n.id: n for n in tagged}
    for lists in (model.notes_by_proc, model.notes_by_doc):
        for key, notes in lists.items():
            lists[key] = [by_id[n.id] for n in notes]
    model.notes = tagged
    for note in model.notes:
        for slug in note.topics:
            model.topic_notes[slug].append(note)
