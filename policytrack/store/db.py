"""The embedded store: canonical items in one SQLite file, with their history of changes.

Items are upserted by id with a content hash, so the store knows when each item was first seen
and last changed, and records each change (a new item, a stage change, a new event, an edited
document) for the digest and the site's "recent changes". The search index is built *from* this
store, so any backend can be rebuilt without crawling again.

Crash safety: WAL journal and one transaction per batch. A process killed mid-upsert loses at
most the batch in flight; every batch committed before stays readable and intact.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from ..errors import StoreError
from ..model import Document, Note, Procedure, item_from_dict, json_hash
from ..timeutil import parse_utc, utc_text
from .ledger import Ledger
from .schema import SCHEMA_VERSION, check_version, migrate
from .subscribers import SubscriberRows

Item = Document | Procedure | Note


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


@dataclass(frozen=True)
class Change:
    seq: int
    at: datetime
    item_id: str
    kind: str
    change: str  # "new", "changed", "stage", "event"
    detail: dict[str, Any]


def describe_changes(old: Item | None, new: Item) -> list[tuple[str, dict[str, Any]]]:
    """What changed between two versions of an item, in the words the digest uses."""
    if old is None:
        return [("new", {"title": new.title})]
    out: list[tuple[str, dict[str, Any]]] = []
    if isinstance(old, Procedure) and isinstance(new, Procedure):
        if (old.stage, old.status) != (new.stage, new.status):
            out.append(
                ("stage", {"from": old.stage, "to": new.stage, "status_from": old.status, "status_to": new.status})
            )
        known = {(e.date, e.title) for e in old.events}
        for e in new.events:
            if (e.date, e.title) not in known:
                out.append(
                    ("event", {"date": e.date.isoformat(), "title": e.title, "actor": e.actor, "forecast": e.forecast})
                )
    if not out:
        a, b = old.to_dict(), new.to_dict()
        fields_changed = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
        out.append(("changed", {"fields": fields_changed}))
    return out


class Store:
    """One SQLite file. Use as a context manager, or call ``close()``."""

    def __init__(self, path: str | Path, *, readonly: bool = False) -> None:
        self.path = Path(path)
        if readonly and not self.path.exists():
            raise StoreError(f"{self.path}: no store here yet (run `policytrack crawl` first)")
        try:
            if readonly:
                self._conn = self._open_readonly()
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
        self.subscribers = SubscriberRows(self._conn)
        self.ledger = Ledger(self._conn)

    def _open_readonly(self) -> sqlite3.Connection:
        conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=30)
        if check_version(conn, self.path) < SCHEMA_VERSION:
            # A store written by an older policytrack: upgrade it once, then read.
            conn.close()
            Store(self.path).close()
            conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=30)
        return conn

    # -- lifecycle
    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing
    def upsert(self, items: Iterable[Item], now: datetime, *, batch_size: int = 500) -> UpsertStats:
        """Insert or update items by id; record what changed. Commits every ``batch_size`` items."""
        stamp = utc_text(now)
        total = UpsertStats()
        batch: list[Item] = []
        for item in items:
            batch.append(item)
            if len(batch) >= batch_size:
                total += self._upsert_batch(batch, stamp)
                batch = []
        if batch:
            total += self._upsert_batch(batch, stamp)
        return total

    def _upsert_batch(self, batch: Sequence[Item], stamp: str) -> UpsertStats:
        new = changed = unchanged = 0
        try:
            with self._conn:
                for item in batch:
                    data = item.to_json()
                    digest = json_hash(data)  # item.content_hash() without a second to_json()
                    row = self._conn.execute("SELECT hash, data FROM items WHERE id = ?", (item.id,)).fetchone()
                    if row is not None and row[0] == digest:
                        unchanged += 1
                        self._conn.execute("UPDATE items SET last_seen = ? WHERE id = ?", (stamp, item.id))
                        continue
                    old = item_from_dict(json.loads(row[1])) if row is not None else None
                    if row is None:
                        new += 1
                        self._conn.execute(
                            "INSERT INTO items VALUES (?, ?, ?, ?, ?, ?, ?)",
                            (item.id, item.kind, digest, data, stamp, stamp, stamp),
                        )
                    else:
                        changed += 1
                        self._conn.execute(
                            "UPDATE items SET kind = ?, hash = ?, data = ?, last_changed = ?, last_seen = ? WHERE id = ?",
                            (item.kind, digest, data, stamp, stamp, item.id),
                        )
                    self._conn.executemany(
                        "INSERT INTO changes (at, item_id, kind, change, detail) VALUES (?, ?, ?, ?, ?)",
                        [
                            (stamp, item.id, item.kind, c, json.dumps(d, ensure_ascii=False))
                            for c, d in describe_changes(old, item)
                        ],
                    )
        except sqlite3.DatabaseError as e:
            raise StoreError(f"{self.path}: write failed, batch rolled back: {e}") from None
        return UpsertStats(new, changed, unchanged)

    # -- reading
    def get(self, item_id: str) -> Item | None:
        rec = self.get_record(item_id)
        return rec.item if rec else None

    def get_record(self, item_id: str) -> StoredItem | None:
        row = self._conn.execute(
            "SELECT data, hash, first_seen, last_changed FROM items WHERE id = ?", (item_id,)
        ).fetchone()
        return _record(row) if row else None

    def records(self, kind: str | None = None, *, changed_since: datetime | None = None) -> Iterator[StoredItem]:
        sql = "SELECT data, hash, first_seen, last_changed FROM items"
        where, args = [], []
        if kind:
            where.append("kind = ?")
            args.append(kind)
        if changed_since:
            where.append("last_changed >= ?")
            args.append(utc_text(changed_since))
        if where:
            sql += " WHERE " + " AND ".join(where)
        for row in self._conn.execute(sql + " ORDER BY id", args):
            yield _record(row)

    def items(self, kind: str | None = None) -> Iterator[Item]:
        for rec in self.records(kind):
            yield rec.item

    def count(self, kind: str | None = None) -> int:
        n: int
        if kind:
            n = self._conn.execute("SELECT count(*) FROM items WHERE kind = ?", (kind,)).fetchone()[0]
        else:
            n = self._conn.execute("SELECT count(*) FROM items").fetchone()[0]
        return n

    def changes(self, since: datetime | None = None, until: datetime | None = None) -> list[Change]:
        """Changes recorded in ``[since, until)``, oldest first."""
        sql, args = "SELECT seq, at, item_id, kind, change, detail FROM changes WHERE 1=1", []
        if since:
            sql += " AND at >= ?"
            args.append(utc_text(since))
        if until:
            sql += " AND at < ?"
            args.append(utc_text(until))
        return [
            Change(r[0], parse_utc(r[1]), r[2], r[3], r[4], json.loads(r[5]))
            for r in self._conn.execute(sql + " ORDER BY seq", args)
        ]

    def check(self) -> str:
        """SQLite's own integrity check: 'ok' or the first problem."""
        return str(self._conn.execute("PRAGMA integrity_check").fetchone()[0])

    def fingerprint(self) -> tuple[int, str, int]:
        """What the store holds, from three indexed aggregates instead of a scan of every row.

        A row is written to the change log, and ``last_changed`` bumped, in the same transaction
        as every new or changed item; so (item count, newest change, last change number) moves
        whenever any item's content does.
        """
        count, newest = self._conn.execute("SELECT count(*), max(last_changed) FROM items").fetchone()
        last_seq = self._conn.execute("SELECT max(seq) FROM changes").fetchone()[0]
        return int(count), str(newest or ""), int(last_seq or 0)


def _record(row: tuple[str, str, str, str]) -> StoredItem:
    return StoredItem(item_from_dict(json.loads(row[0])), row[1], parse_utc(row[2]), parse_utc(row[3]))
