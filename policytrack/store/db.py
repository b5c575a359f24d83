"""The embedded store: what every source said, and the merged items derived from it, in one
SQLite file with their history of changes.

Each parsed item is kept as its source's record (``source_records``: source, fetch times,
content hash); the store derives the merged item of every id those records are about
(``derive.py``: merge, dossier links, the one topic rule) and records each change of a merged
item (a new item, a stage change, a new event, an edited document) with its legislative date,
for the digest and the site's "recent changes". The search index is built *from* the merged
items, so any backend can be rebuilt without crawling again.

Crash safety: WAL journal and one transaction per batch. A process killed mid-upsert loses at
most the batch in flight; every batch committed before stays readable and intact.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from ..errors import PolicytrackError, StoreError
from ..merge import MERGE_VERSION
from ..model import Document, Note, Procedure, Topic, item_from_dict
from ..timeutil import parse_utc, utc_text
from ..topics import topics_fingerprint
from .changes import Change
from .derive import Deriver
from .ledger import Ledger
from .schema import SCHEMA_VERSION, check_version, migrate
from .subscribers import SubscriberRows

Item = Document | Procedure | Note
DERIVE_CHUNK = 500  # records read at a time when every item is derived again


@dataclass(frozen=True)
class UpsertStats:
    new: int = 0
    changed: int = 0
    unchanged: int = 0

    def __add__(self, other: UpsertStats) -> UpsertStats:
        return UpsertStats(self.new + other.new, self.changed + other.changed, self.unchanged + other.unchanged)


@dataclass(frozen=True)
class StoredItem:
    item: Item
    hash: str
    first_seen: datetime
    last_changed: datetime
    rev: int = 0
    tracked: bool = True


@dataclass(frozen=True)
class RecordInfo:
    """One source's record of an item, as ``status`` and the dossier page list them."""

    item_id: str
    source: str
    origin: str  # empty: about the item itself; else the document it was derived from
    first_fetched: datetime
    fetched: datetime
    changed: datetime
    hash: str


class Store:
    """One SQLite file. Use as a context manager, or call ``close()``.

    ``topics``: the configuration's topics. The store tags every merged item with them; when
    they differ from those it last tagged with, opening the store tags every item again (a
    read-only store is opened for writing once to do so, as for a schema upgrade). Without
    ``topics`` the store keeps tagging with the topics it last saw.
    """

    def __init__(self, path: str | Path, *, readonly: bool = False, topics: Sequence[Topic] | None = None) -> None:
        self.path = Path(path)
        if readonly and not self.path.exists():
            raise StoreError(f"{self.path}: no store here yet (run `policytrack crawl` first)")
        try:
            if readonly:
                self._conn = self._open_readonly(topics)
            else:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._conn = sqlite3.connect(self.path, timeout=30)
                self._conn.execute("PRAGMA journal_mode=WAL")
                # NORMAL in WAL mode survives a killed process; only power loss can drop the
                # last transactions, never corrupt the file.
                self._conn.execute("PRAGMA synchronous=NORMAL")
                migrate(self._conn, self.path)
            self._conn.execute("PRAGMA foreign_keys=ON")
        except sqlite3.DatabaseError as e:
            raise StoreError(f"{self.path}: cannot open store: {e}") from None
        self.readonly = readonly
        self.topics: tuple[Topic, ...] = self._stored_topics()
        if not readonly:
            self._bring_up_to_date(topics)
        self.subscribers = SubscriberRows(self._conn)
        self.ledger = Ledger(self._conn)

    def _open_readonly(self, topics: Sequence[Topic] | None) -> sqlite3.Connection:
        conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=30)
        if check_version(conn, self.path) < SCHEMA_VERSION or self._outdated(conn, topics):
            # A store written by an older policytrack, or tagged with other topics: bring it up
            # to date once, then read.
            conn.close()
            Store(self.path, topics=topics).close()
            conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=30)
        return conn

    @staticmethod
    def _outdated(conn: sqlite3.Connection, topics: Sequence[Topic] | None) -> bool:
        meta = dict(conn.execute("SELECT key, value FROM meta WHERE key IN ('derived', 'topics_fingerprint')"))
        if meta.get("derived") != str(MERGE_VERSION):
            return True
        return topics is not None and meta.get("topics_fingerprint") != topics_fingerprint(topics)

    def _stored_topics(self) -> tuple[Topic, ...]:
        row = self._conn.execute("SELECT value FROM meta WHERE key = 'topics'").fetchone()
        return tuple(Topic.from_dict(t) for t in json.loads(row[0])) if row else ()

    def _bring_up_to_date(self, topics: Sequence[Topic] | None) -> None:
        """Derive every item again when the merge rules changed since the store was written
        (or it comes from an older policytrack); tag every item again when the topics did."""
        if topics is not None:
            self.topics = tuple(topics)
        if not self._outdated(self._conn, topics):
            return
        try:
            # Derived again, not news: whatever this changes is logged as baseline.
            with self._write(baseline=True) as deriver:
                self._set_meta("topics", json.dumps([t.to_dict() for t in self.topics], ensure_ascii=False))
                self._set_meta("topics_fingerprint", topics_fingerprint(self.topics))
                if self.get_meta("derived") != str(MERGE_VERSION):
                    self._derive_everything(deriver)
                    self._set_meta("derived", str(MERGE_VERSION))
                else:
                    for (item_id,) in self._conn.execute(
                        "SELECT id FROM items WHERE kind IN ('procedure', 'document') ORDER BY kind DESC, id"
                    ).fetchall():
                        deriver.retag(item_id)
                    deriver.derive_all(())  # documents whose dossiers' topics moved
        except sqlite3.DatabaseError as e:
            raise StoreError(f"{self.path}: could not bring the store up to date: {e}") from None

    def use_topics(self, topics: Sequence[Topic]) -> None:
        """Tag with ``topics`` from now on; every item is tagged again if they changed."""
        if tuple(topics) == self.topics and not self._outdated(self._conn, topics):
            return
        if self.readonly:
            raise StoreError(f"{self.path}: opened read-only, cannot tag items with other topics")
        self._bring_up_to_date(topics)

    def _derive_everything(self, deriver: Deriver) -> None:
        """Every document's records about its procedures, then every merged item, again.

        Read in chunks (keyset on the record's key), without keeping records as objects:
        memory stays flat however big the store is."""
        chunk = DERIVE_CHUNK
        last = ("", "")
        while True:
            rows = self._conn.execute(
                "SELECT item_id, source, data FROM source_records WHERE origin = '' AND kind = 'document'"
                " AND (item_id, source) > (?, ?) ORDER BY item_id, source LIMIT ?",
                (*last, chunk),
            ).fetchall()
            if not rows:
                break
            for _, source, data in rows:
                item = item_from_dict(json.loads(data))
                if isinstance(item, Document):
                    deriver.put(item.replace(source=source))
            last = (rows[-1][0], rows[-1][1])
            deriver.fresh.clear()
        # Procedures first: documents take their dossiers' topics.
        ids = [
            r[0]
            for r in self._conn.execute(
                "SELECT DISTINCT item_id FROM source_records ORDER BY item_id NOT LIKE 'proc:%', item_id"
            )
        ]
        for start in range(0, len(ids), chunk):
            deriver.derive_all(ids[start : start + chunk])

    # -- lifecycle
    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- meta
    def get_meta(self, key: str) -> str | None:
        row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else None

    def _set_meta(self, key: str, value: str) -> None:
        self._conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def set_meta(self, key: str, value: str) -> None:
        """Keep a small value (e.g. an index watermark) in the store, committed at once."""
        try:
            with self._conn:
                self._set_meta(key, value)
        except sqlite3.DatabaseError as e:
            raise StoreError(f"{self.path}: cannot write {key}: {e}") from None

    # -- writing
    @contextmanager
    def _write(self, stamp: str = "", *, baseline: bool = False) -> Iterator[Deriver]:
        """One write transaction (taken at once: two writers never interleave revisions)."""
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield Deriver(self._conn, self.topics, stamp or utc_text(datetime.now().astimezone()), baseline)
        except BaseException:
            self._conn.rollback()
            raise
        self._conn.commit()

    def upsert(
        self, items: Iterable[Item], now: datetime, *, batch_size: int = 500, baseline: bool = False
    ) -> UpsertStats:
        """Store what each item's source says and derive the merged items again; record what
        changed. Commits every ``batch_size`` items. ``baseline``: the changes are part of a
        source's first crawl (kept, but not announced as news)."""
        stamp = utc_text(now)
        total = UpsertStats()
        batch: list[Item] = []
        for item in items:
            batch.append(item)
            if len(batch) >= batch_size:
                total += self._upsert_batch(batch, stamp, baseline)
                batch = []
        if batch:
            total += self._upsert_batch(batch, stamp, baseline)
        return total

    def _upsert_batch(self, batch: Sequence[Item], stamp: str, baseline: bool) -> UpsertStats:
        try:
            with self._write(stamp, baseline=baseline) as deriver:
                touched: set[str] = set()
                own: dict[str, bool] = {}
                for item in batch:
                    if not isinstance(item, (Document, Procedure)):
                        raise StoreError(f"{item.id}: only documents and procedures are stored")
                    ids, changed = deriver.put(item)
                    touched |= ids
                    own[item.id] = own.get(item.id, False) or changed
                outcomes = deriver.derive_all(touched)
                for item_id, changed in own.items():
                    if not changed:
                        self._conn.execute("UPDATE items SET last_seen = ? WHERE id = ?", (stamp, item_id))
        except sqlite3.DatabaseError as e:
            raise StoreError(f"{self.path}: write failed, batch rolled back: {e}") from None
        states = [outcomes.get(i, "unchanged") for i in own]
        return UpsertStats(
            states.count("new"), states.count("changed"), len(states) - states.count("new") - states.count("changed")
        )

    # -- crawl sessions (the first complete crawl of a spider is its baseline)
    def begin_crawl(self, spider: str, now: datetime) -> tuple[int, bool]:
        """Open a crawl session; returns its id and whether it is a baseline crawl (no earlier
        crawl of ``spider`` finished having stored something)."""
        with self._conn:
            done = self._conn.execute(
                "SELECT 1 FROM crawls WHERE spider = ? AND finished IS NOT NULL AND items > 0 LIMIT 1", (spider,)
            ).fetchone()
            cur = self._conn.execute("INSERT INTO crawls (spider, started) VALUES (?, ?)", (spider, utc_text(now)))
        return int(cur.lastrowid or 0), done is None

    def end_crawl(self, crawl_id: int, now: datetime, items: int) -> None:
        with self._conn:
            self._conn.execute(
                "UPDATE crawls SET finished = ?, items = ? WHERE id = ?", (utc_text(now), items, crawl_id)
            )

    # -- reading
    def get(self, item_id: str) -> Item | None:
        rec = self.get_record(item_id)
        return rec.item if rec else None

    def get_record(self, item_id: str) -> StoredItem | None:
        row = self._conn.execute(f"SELECT {_ITEM_COLUMNS} FROM items WHERE id = ?", (item_id,)).fetchone()
        return _record(row) if row else None

    def records(
        self,
        kind: str | None = None,
        *,
        changed_since: datetime | None = None,
        tracked: bool | None = None,
        after_rev: int | None = None,
        on_invalid: Callable[[str, Exception], None] | None = None,
    ) -> Iterator[StoredItem]:
        """Stored merged items by id. ``tracked``: only tracked (True) or untracked (False)
        ones; ``after_rev``: only rows rewritten after that revision (incremental indexing).
        ``on_invalid``: a row that is no valid item any more (a store edited by hand, or written
        before a rule was tightened) is passed to it, with why, and skipped; without it, raised."""
        sql = f"SELECT {_ITEM_COLUMNS}, id FROM items"
        where: list[str] = []
        args: list[Any] = []
        if kind:
            where.append("kind = ?")
            args.append(kind)
        if changed_since:
            where.append("last_changed >= ?")
            args.append(utc_text(changed_since))
        if tracked is not None:
            where.append("tracked = ?")
            args.append(int(tracked))
        if after_rev is not None:
            where.append("rev > ?")
            args.append(after_rev)
        if where:
            sql += " WHERE " + " AND ".join(where)
        # Rows written after a revision are found through their index and then sorted ("+id"):
        # ordered by the primary key, SQLite would read every row to find the few.
        order = " ORDER BY +id" if after_rev is not None else " ORDER BY id"
        for row in self._conn.execute(sql + order, args):
            if on_invalid is None:
                yield _record(row)
                continue
            try:
                record = _record(row)
            except (PolicytrackError, ValueError, TypeError) as e:  # bad JSON, a field, a stamp
                on_invalid(row[6], e)
                continue
            yield record

    def items(self, kind: str | None = None, *, tracked: bool | None = None) -> Iterator[Item]:
        for rec in self.records(kind, tracked=tracked):
            yield rec.item

    def count(self, kind: str | None = None, *, tracked: bool | None = None) -> int:
        where: list[str] = []
        args: list[Any] = []
        if kind:
            where.append("kind = ?")
            args.append(kind)
        if tracked is not None:
            where.append("tracked = ?")
            args.append(int(tracked))
        sql = "SELECT count(*) FROM items" + (" WHERE " + " AND ".join(where) if where else "")
        n: int = self._conn.execute(sql, args).fetchone()[0]
        return n

    def revision(self) -> int:
        """The latest revision of any item row (every rewrite takes a new one)."""
        return int(self._conn.execute("SELECT coalesce(max(rev), 0) FROM items").fetchone()[0])

    def procedure_topics(self) -> dict[str, tuple[str, ...]]:
        """Every stored procedure's topics, by reference (notes take their dossiers' topics)."""
        rows = self._conn.execute("SELECT id, topics FROM items WHERE kind = 'procedure'")
        return {item_id[5:]: tuple(json.loads(topics)) for item_id, topics in rows}

    def source_records(self, item_id: str | None = None) -> list[RecordInfo]:
        """What each source said: the records of one item (or of every item)."""
        sql = "SELECT item_id, source, origin, first_fetched, fetched, changed, hash FROM source_records"
        args: list[Any] = []
        if item_id is not None:
            sql += " WHERE item_id = ?"
            args.append(item_id)
        return [
            RecordInfo(r[0], r[1], r[2], parse_utc(r[3]), parse_utc(r[4]), parse_utc(r[5]), r[6])
            for r in self._conn.execute(sql + " ORDER BY item_id, source, origin", args)
        ]

    def changes(
        self,
        since: datetime | None = None,
        until: datetime | None = None,
        *,
        tracked: bool | None = None,
        after_seq: int | None = None,
        items: Sequence[str] | None = None,
    ) -> list[Change]:
        """Changes recorded in ``[since, until)``, oldest first. ``tracked``: only changes of items
        that are tracked (True) or untracked (False) now; ``after_seq``: only changes numbered
        after it; ``items``: only changes of these item ids."""
        sql = "SELECT seq, at, item_id, kind, change, detail, happened, baseline FROM changes WHERE 1=1"
        args: list[Any] = []
        if since:
            sql += " AND at >= ?"
            args.append(utc_text(since))
        if until:
            sql += " AND at < ?"
            args.append(utc_text(until))
        if tracked is not None:
            sql += " AND item_id IN (SELECT id FROM items WHERE tracked = ?)"
            args.append(int(tracked))
        if after_seq is not None:
            sql += " AND seq > ?"
            args.append(after_seq)
        if items is None:
            rows = self._conn.execute(sql + " ORDER BY seq", args).fetchall()
        else:
            rows = []
            for start in range(0, len(items), 500):
                chunk = list(items[start : start + 500])
                marks = ",".join("?" * len(chunk))
                rows += self._conn.execute(f"{sql} AND item_id IN ({marks})", [*args, *chunk]).fetchall()
            rows.sort()
        return [
            Change(
                r[0],
                parse_utc(r[1]),
                r[2],
                r[3],
                r[4],
                json.loads(r[5]),
                date.fromisoformat(r[6]) if r[6] else None,
                bool(r[7]),
            )
            for r in rows
        ]

    def check(self) -> str:
        """SQLite's own integrity check: 'ok' or the first problem."""
        return str(self._conn.execute("PRAGMA integrity_check").fetchone()[0])

    def fingerprint(self) -> tuple[int, str, int, int]:
        """What the store holds, from indexed aggregates instead of a scan of every row.

        Every write of an item row takes a new revision, and every change-log row a new number,
        in the same transaction; so (item count, newest change, last change number, latest
        revision) moves whenever any item's content or tags do.
        """
        count, newest = self._conn.execute("SELECT count(*), max(last_changed) FROM items").fetchone()
        last_seq = self._conn.execute("SELECT max(seq) FROM changes").fetchone()[0]
        return int(count), str(newest or ""), int(last_seq or 0), self.revision()


_ITEM_COLUMNS = "data, hash, first_seen, last_changed, rev, tracked"


def _record(row: tuple[str, str, str, str, int, int]) -> StoredItem:
    return StoredItem(
        item_from_dict(json.loads(row[0])), row[1], parse_utc(row[2]), parse_utc(row[3]), int(row[4]), bool(row[5])
    )
