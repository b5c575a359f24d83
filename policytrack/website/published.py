"""The published items of a build: every tracked procedure, a few facts per tracked document,
and what the store knows of each (its ``Stamp``), kept between builds.

A full read decodes and validates every tracked item (about 0.2 ms each). A rebuild instead loads
what an earlier build read (one pickle beside the store, tens of milliseconds at 15k items) and
reads from the store only the rows written since (every write of an item row takes a new
revision, ``Store.revision``), with the news logged since. Documents themselves are not kept:
the cross-links need only their ``DocFacts``, and a document is read from the store when a page
that shows it is rendered (``Documents``).

The file is a cache of the store, never a source of truth: it names the store, the topics and
the code it was made with, and anything that does not match (another store, fewer revisions
than it saw, a count that disagrees, another policytrack) means a full read. It lives beside the
store (``store.sqlite3-sitecache``), in the private data folder and not in the published one:
whoever can write it can make the builder run code, as whoever can write the store can make it
publish anything.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import NamedTuple

from .. import model as model_module
from .. import upcoming as upcoming_module
from .. import urls
from ..identifiers import celex_and_base
from ..model import Document, Procedure, Topic
from ..store import Change, Store, StoredItem
from ..store import changes as changes_module
from ..timeutil import parse_utc, utc_text
from ..upcoming import ActDates, document_deadlines
from .errors import SiteError

CACHE_VERSION = "3"  # bump when what is kept, or how facts are derived, changes
# Store rows read on top of the cache before it is written again: below this, reading them again
# next time costs less than writing the whole cache (about 0.2 ms a row against ~0.2 s a write).
REWRITE_AFTER = 500


class Stamp(NamedTuple):
    """What the store knows about an item besides its content. The times are kept as text
    (loading 16k pairs of datetimes was a tenth of a rebuild) and read when a page shows them."""

    hash: str
    seen: str  # utc_text of first_seen
    changed: str  # utc_text of last_changed
    lastmod: str  # the day of last_changed, as the sitemap gives it (every page, every build)

    @property
    def first_seen(self) -> datetime:
        return parse_utc(self.seen)

    @property
    def last_changed(self) -> datetime:
        return parse_utc(self.changed)

    @classmethod
    def of(cls, rec: StoredItem) -> Stamp:
        changed = rec.last_changed
        return cls(rec.hash, utc_text(rec.first_seen), utc_text(changed), changed.date().isoformat())


class DocFacts(NamedTuple):
    """What lists and cross-links need of a document (its own page reads the whole document)."""

    id: str
    title: str
    celex: str | None
    procedure: str | None
    date: date | None
    topics: tuple[str, ...]
    upcoming: tuple[ActDates, ...]  # its deadlines, on any date (the build keeps those ahead)
    # A document answers to its own CELEX and, for a consolidated text, to the act's.
    celex_keys: tuple[str, ...]
    path: str  # its page


def facts_of(doc: Document) -> DocFacts:
    dates = document_deadlines(doc) if doc.dates else ()
    keys = tuple(celex_and_base(doc.celex)) if doc.celex else ()
    return DocFacts(
        doc.id, doc.title, doc.celex, doc.procedure, doc.date, doc.topics, dates, keys, urls.document_path(doc.id)
    )


class Documents(Mapping[str, Document]):
    """Every published document by id, each read from the store the first time a page asks."""

    def __init__(
        self,
        facts: Mapping[str, DocFacts],
        read: Callable[[str], Document | None],
        read_all: Callable[[], Iterable[Document]] = tuple,
    ) -> None:
        self._facts = facts
        self._read = read
        self._read_all = read_all
        self._loaded: dict[str, Document] = {}

    def __getitem__(self, doc_id: str) -> Document:
        doc = self._loaded.get(doc_id)
        if doc is None:
            if doc_id not in self._facts:
                raise KeyError(doc_id)
            found = self._read(doc_id)
            if found is None:
                raise SiteError(f"{doc_id}: left the store during the build (build again)")
            doc = self._loaded[doc_id] = found
        return doc

    def __iter__(self) -> Iterator[str]:
        return iter(self._facts)

    def __len__(self) -> int:
        return len(self._facts)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._facts

    def keep(self, docs: Iterable[Document]) -> None:
        """Documents already read (a full read, or the rows of a rebuild's delta)."""
        for doc in docs:
            if doc.id in self._facts:
                self._loaded[doc.id] = doc

    def read_all(self) -> None:
        """Read every document now, in one pass (cheaper than one by one past a few hundred)."""
        if not self.all_loaded:
            self.keep(self._read_all())

    @property
    def all_loaded(self) -> bool:
        return len(self._loaded) == len(self._facts)


@dataclass
class Published:
    """The tracked items a build publishes, sorted by key (pages and exports list them so)."""

    procedures: dict[str, Procedure] = field(default_factory=dict)  # by reference
    facts: dict[str, DocFacts] = field(default_factory=dict)  # by document id
    stamps: dict[str, Stamp] = field(default_factory=dict)  # by item id
    rev: int = 0  # the store's revision these reflect
    # The news on these items (``Change.news``) noticed since ``news_since``, oldest first, and
    # the number of the last change the store had logged when they were read.
    news: list[Change] = field(default_factory=list)
    news_since: datetime | None = None
    last_seq: int = 0
    # Stored rows that are no valid item (a hand-edited store, an older one): id → why. The site
    # leaves them out and names them; they count as rows of the store.
    skipped: dict[str, str] = field(default_factory=dict)
    read: list[Document] = field(default_factory=list)  # documents decoded by this build
    delta: int = -1  # store rows read on top of the cache (-1: everything was read)

    def put(self, rec: StoredItem) -> None:
        item = rec.item
        self.skipped.pop(item.id, None)
        if isinstance(item, Procedure):
            self.procedures[item.reference] = item
        elif isinstance(item, Document):
            self.facts[item.id] = facts_of(item)
            self.read.append(item)
        else:
            return
        self.stamps[item.id] = Stamp.of(rec)

    def drop(self, rec: StoredItem) -> None:
        """An item no longer tracked."""
        self._forget(rec.item.id)
        self.skipped.pop(rec.item.id, None)

    def skip(self, item_id: str, error: Exception) -> None:
        """A row that is no valid item: out of the published items, named by the build."""
        self._forget(item_id)
        self.skipped[item_id] = str(error)

    def _forget(self, item_id: str) -> None:
        if item_id.startswith("proc:"):  # a procedure's id is "proc:" and its reference
            self.procedures.pop(item_id.removeprefix("proc:"), None)
        self.facts.pop(item_id, None)
        self.stamps.pop(item_id, None)

    def sort(self) -> None:
        self.procedures = dict(sorted(self.procedures.items()))
        self.facts = dict(sorted(self.facts.items()))


def cache_path(store_path: Path) -> Path:
    return store_path.with_name(store_path.name + "-sitecache")


def _code_key() -> str:
    """The code that made a cache: the model's classes are pickled, facts come from ``upcoming``."""
    h = hashlib.blake2b(CACHE_VERSION.encode(), digest_size=16)
    for module in (model_module, upcoming_module, changes_module, urls, sys.modules[__name__]):
        h.update(Path(module.__file__ or "").read_bytes())
    return h.hexdigest()


def _key(store: Store, topics: tuple[Topic, ...]) -> tuple[str, str, str]:
    return (_code_key(), str(Path(store.path).resolve()), repr(topics))


def read_published(
    store: Store, topics: tuple[Topic, ...], news_since: datetime, *, use_cache: bool = True
) -> Published:
    """The tracked items and their news since ``news_since``: from the cache and the rows written
    since when it fits, else in full."""
    try:
        key = _key(store, topics)
    except OSError:  # the model's source is not readable (a zipped install): no cache
        return _read_all(store, news_since)
    path = cache_path(Path(store.path))
    published = _load(path, key) if use_cache else None
    if published is None or published.rev > store.revision():
        published = _read_all(store, news_since)
    else:
        published = _update(store, published, news_since)
    if published.delta < 0 or published.delta > REWRITE_AFTER:
        _save(path, key, published)
    return published


def _read_all(store: Store, news_since: datetime) -> Published:
    last_seq = store.fingerprint()[2]  # before reading: a change logged meanwhile is read again
    published = Published(rev=store.revision())
    for rec in store.records(tracked=True, on_invalid=published.skip):
        published.put(rec)
    published.sort()
    published.news = [c for c in store.changes(since=news_since, tracked=True) if c.news]
    published.news_since, published.last_seq = news_since, last_seq
    return published


def _update(store: Store, published: Published, news_since: datetime) -> Published:
    """The cache brought up to date with the rows written since it was (and their news)."""
    last_seq = store.fingerprint()[2]
    before = set(published.stamps)
    published.delta = 0
    for rec in store.records(after_rev=published.rev, on_invalid=published.skip):
        published.delta += 1
        if rec.tracked:
            published.put(rec)
        else:
            published.drop(rec)
        published.rev = max(published.rev, rec.rev)
    added = [i for i in published.stamps if i not in before]
    if added:
        published.sort()
    counts = store.count("procedure", tracked=True), store.count("document", tracked=True)
    if len(published.procedures) + len(published.facts) + len(published.skipped) != sum(counts):
        return _read_all(store, news_since)  # rows left the store: start again
    if published.news_since is None or news_since < published.news_since:
        published.news = [c for c in store.changes(since=news_since, tracked=True) if c.news]
    else:
        # Kept news still in the window, news logged since, and the older news of items that
        # were already in the store but are published from now on (a topic's watch list grew).
        found = {c.seq: c for c in published.news if c.at >= news_since}
        fresh = store.changes(since=news_since, after_seq=published.last_seq)  # the model drops untracked
        older = store.changes(since=news_since, items=added) if added else []
        found.update((c.seq, c) for c in (*fresh, *older) if c.news)
        published.news = [found[seq] for seq in sorted(found)]
    published.news_since, published.last_seq = news_since, last_seq
    return published


def _load(path: Path, key: tuple[str, str, str]) -> Published | None:
    try:
        with path.open("rb") as f:
            saved = pickle.load(f)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
        return None
    if not isinstance(saved, dict) or saved.get("key") != key:
        return None
    try:
        fields = [saved[k] for k in ("procedures", "facts", "stamps", "rev", "news", "since", "seq", "skipped")]
    except KeyError:
        return None
    procedures, facts, stamps, rev, news, since, seq, skipped = fields
    return Published(procedures, facts, stamps, rev, news, since, seq, skipped)


def _save(path: Path, key: tuple[str, str, str], published: Published) -> None:
    """Write the cache beside the store; a folder we cannot write to only costs the next build time."""
    data = {
        "key": key,
        "procedures": published.procedures,
        "facts": published.facts,
        "stamps": published.stamps,
        "rev": published.rev,
        "news": published.news,
        "since": published.news_since,
        "seq": published.last_seq,
        "skipped": published.skipped,
    }
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        with tmp.open("wb") as f:
            pickle.dump(data, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)
