"""Phase one of a build: read everything once and cross-link it into one model.

Pages are rendered from this model only (phase two), so every page sees the same picture of
the store and the content, and the incremental builder can hash each page's inputs.

The items come from ``published.py``: a rebuild reads only the store rows written since the last
build, and a document's full record only when a page showing it is rendered. The cross-links
below are derived again on every build from the procedures and the documents' facts (tens of
milliseconds for 15k items), so they are never out of step with the items.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from ..content import line_of, load_content, references
from ..errors import PolicytrackError
from ..model import Document, Note, Procedure, Topic
from ..store import Change, Store
from ..topics import note_topics
from ..upcoming import UpcomingDate, upcoming_dates
from .published import DocFacts, Documents, Published, Stamp, read_published

RECENT_DAYS = 30
UPCOMING_DAYS = 365


@dataclass
class SiteModel:
    title: str
    base_url: str
    now: datetime
    topics: tuple[Topic, ...]
    unsubscribe_address: str = ""
    procedures: dict[str, Procedure] = field(default_factory=dict)  # by reference
    doc_facts: dict[str, DocFacts] = field(default_factory=dict)  # by id: what lists and links need
    documents: Documents = field(default_factory=lambda: Documents({}, lambda _: None))  # read when shown
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
        doc_id = self.doc_id_for_celex(celex)
        return self.documents[doc_id] if doc_id else None

    def doc_id_for_celex(self, celex: str | None) -> str | None:
        return self.celex_to_doc.get(celex) if celex else None

    def topic(self, slug: str) -> Topic | None:
        return next((t for t in self.topics if t.slug == slug), None)

    def note_topics(self, note: Note) -> list[Topic]:
        return [t for t in self.topics if t.slug in note.topics]


def _skip(model: SiteModel, item_id: str, error: Exception | str) -> None:
    """A stored item that is no valid item (an old store, a hand-edited row) is left out of the
    site, with a warning naming it; the rest is built."""
    model.skipped.add(item_id)
    model.warnings.append(f"store: skipped {item_id}: {' '.join(str(error).split())[:300]}")


def build_model(
    store: Store | None,
    content_dir: Path | None,
    *,
    title: str,
    base_url: str,
    topics: Iterable[Topic],
    now: datetime,
    unsubscribe_address: str = "",
    use_cache: bool = True,
) -> SiteModel:
    """Everything a build needs, cross-linked. ``store`` may be None (content only); it must stay
    open while pages are rendered (documents are read when shown). ``use_cache``: read the
    published items from the last build's cache and the rows written since (else in full).

    Only tracked items are published (docs/dossiers.md): the store says which, having tagged
    every item with the one topic rule; notes are tagged with the same rule here."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    model = SiteModel(
        title=title, base_url=base_url, now=now, topics=tuple(topics), unsubscribe_address=unsubscribe_address
    )
    since = datetime.combine(model.today - timedelta(days=RECENT_DAYS), time(0), UTC)
    if store is not None:
        published = read_published(store, model.topics, since, use_cache=use_cache)
        _use(model, published, store)
        for item_id, why in sorted(published.skipped.items()):
            _skip(model, item_id, why)
        model.changes = [c for c in reversed(published.news) if c.item_id in model.stamps]
    newest = _newest_first(model)
    _link_documents(model, newest)
    _assign_topics(model, newest)
    if content_dir is not None:
        notes, errors = load_content(content_dir)
        model.notes = notes
        model.errors += [str(e) for e in errors]
        for note in notes:
            model.note_hashes[note.slug] = note.content_hash()
        _link_notes(model, store)
    start, end = model.today, model.today + timedelta(days=UPCOMING_DAYS)
    acts = (group for f in model.doc_facts.values() for group in f.upcoming)
    model.upcoming = upcoming_dates(model.procedures.values(), start, end, acts=acts)
    return model


def _use(model: SiteModel, published: Published, store: Store) -> None:
    def read(doc_id: str) -> Document | None:
        rec = store.get_record(doc_id)
        return rec.item if rec is not None and rec.tracked and isinstance(rec.item, Document) else None

    model.procedures = published.procedures
    model.doc_facts = published.facts
    model.stamps = published.stamps

    def read_all() -> Iterable[Document]:
        # Invalid rows were named when the model was read; here they are only left out.
        records = store.records("document", tracked=True, on_invalid=lambda _id, _e: None)
        return (rec.item for rec in records if isinstance(rec.item, Document))

    model.documents = Documents(published.facts, read, read_all)
    model.documents.keep(published.read)


def _link_documents(model: SiteModel, newest: list[str]) -> None:
    facts = model.doc_facts
    for doc in facts.values():
        if doc.celex:
            for key in doc.celex_keys:
                # The act itself wins over a consolidated version for the same key.
                if key not in model.celex_to_doc or key == doc.celex:
                    model.celex_to_doc[key] = doc.id
    seen: dict[str, set[str]] = defaultdict(set)
    for doc in facts.values():
        if doc.procedure and doc.procedure in model.procedures:
            model.docs_by_proc[doc.procedure].append(doc.id)
            seen[doc.procedure].add(doc.id)
    for ref, proc in model.procedures.items():
        linked = [*proc.documents, *([proc.final_act] if proc.final_act else [])]
        for value in linked:
            doc_id = value if value in facts else model.celex_to_doc.get(value)
            if doc_id and doc_id not in seen[ref]:
                model.docs_by_proc[ref].append(doc_id)
                seen[ref].add(doc_id)
    rank = {doc_id: n for n, doc_id in enumerate(newest)}
    for ids in model.docs_by_proc.values():
        ids.sort(key=rank.__getitem__)


def _newest_first(model: SiteModel) -> list[str]:
    """Every document id, newest first (the order of every list of documents), sorted once."""
    facts = model.doc_facts
    return sorted(facts, key=lambda i: (facts[i].date or date.min, i), reverse=True)


def _assign_topics(model: SiteModel, newest: list[str]) -> None:
    """Topic pages list the items the store tagged with the topic (the one topic rule)."""
    known = {t.slug for t in model.topics}
    for ref, proc in model.procedures.items():
        model.proc_topics[ref] = [t for t in proc.topics if t in known]
        for s in model.proc_topics[ref]:
            model.topic_procs[s].append(ref)
    facts = model.doc_facts
    for doc_id in newest:
        for s in facts[doc_id].topics:
            if s in known:
                model.topic_docs[s].append(doc_id)
    for slug in model.topic_procs:
        model.topic_procs[slug].sort()


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
                doc_id = model.doc_id_for_celex(value)
                if doc_id is not None:
                    doc = model.doc_facts[doc_id]
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
