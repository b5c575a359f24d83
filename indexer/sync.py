"""Bring a search index up to date with the store and the content folder.

What is indexed: every *tracked* merged item of the store (docs/dossiers.md) and every note of
the content folder, each note tagged with the one topic rule (``policytrack.topics``) like the
items. Untracked items are never indexed.

Incremental by default: the store keeps, per index (``Backend.target``), a watermark: the store
revision it has indexed up to, the hash of every note record it indexed, and the version of the
record format (``FIELDS_VERSION``). A run indexes the items rewritten since (and removes those
that are no longer tracked) and the notes whose record changed (and removes deleted notes);
with nothing changed it writes nothing. It rebuilds instead when asked, when there is no
watermark, when the record format changed, or when the index is empty but should not be.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time

from policytrack.model import Note
from policytrack.store import Store, StoredItem
from policytrack.topics import note_topics

from .base import Backend, Item
from .fields import FIELDS_VERSION, to_record

WATERMARK = "index-watermark:"
Progress = Callable[[int, int], None]  # (done, total)


@dataclass(frozen=True)
class SyncReport:
    indexed: int
    deleted: int
    rebuilt: bool
    reason: str  # why it rebuilt, or "incremental"


def tagged_notes(store: Store, notes: Iterable[Note]) -> list[Note]:
    """Notes with the topics the one rule gives them (their own and their dossiers')."""
    dossiers = store.procedure_topics()
    return [n.replace(topics=note_topics(n, store.topics, dossiers)) for n in notes]


def note_time(note: Note) -> datetime:
    return datetime.combine(note.date, time(0), UTC)


def _note_hash(note: Note) -> str:
    source = to_record(note, note_time(note)).as_source()
    return hashlib.sha256(json.dumps(source, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def sync_index(
    store: Store,
    backend: Backend,
    notes: Sequence[Note],
    *,
    rebuild: bool = False,
    progress: Progress | None = None,
) -> SyncReport:
    """Index what changed since the last run (or everything); see the module docstring."""
    key = WATERMARK + backend.target
    saved = json.loads(store.get_meta(key) or "null")
    revision = store.revision()  # read first: what is written meanwhile is indexed next time
    notes = tagged_notes(store, notes)
    hashes = {n.id: _note_hash(n) for n in notes}
    reason = ""
    if rebuild:
        reason = "asked"
    elif not isinstance(saved, dict):
        reason = "first run"
    elif saved.get("fields") != FIELDS_VERSION:
        reason = "new record format"
    elif backend.count() == 0 and (notes or store.count(tracked=True)):
        reason = "index empty"
    if reason:
        total = store.count(tracked=True) + len(notes)
        items = _counted(
            _chain(_pairs(store.records(tracked=True)), ((n, note_time(n)) for n in notes)), total, progress
        )
        indexed = backend.index(items, rebuild=True)
        deleted = 0
    else:
        assert isinstance(saved, dict)
        changed = list(store.records(after_rev=int(saved.get("rev", 0))))
        known: dict[str, str] = saved.get("notes", {})
        fresh = [n for n in notes if known.get(n.id) != hashes[n.id]]
        gone = [r.item.id for r in changed if not r.tracked] + sorted(set(known) - set(hashes))
        wanted = [r for r in changed if r.tracked]
        if gone:
            backend.delete(gone)
        indexed = 0
        if wanted or fresh:
            total = len(wanted) + len(fresh)
            items = _counted(_chain(_pairs(wanted), ((n, note_time(n)) for n in fresh)), total, progress)
            indexed = backend.index(items, rebuild=False)
        deleted = len(gone)
    store.set_meta(key, json.dumps({"fields": FIELDS_VERSION, "rev": revision, "notes": hashes}, sort_keys=True))
    return SyncReport(indexed, deleted, bool(reason), reason or "incremental")


def _pairs(records: Iterable[StoredItem]) -> Iterator[tuple[Item, datetime]]:
    for rec in records:
        yield rec.item, rec.last_changed


def _chain(*parts: Iterable[tuple[Item, datetime]]) -> Iterator[tuple[Item, datetime]]:
    for part in parts:
        yield from part


def _counted(
    items: Iterable[tuple[Item, datetime]], total: int, progress: Progress | None
) -> Iterator[tuple[Item, datetime]]:
    for n, pair in enumerate(items, 1):
        yield pair
        if progress is not None:
            progress(n, total)
