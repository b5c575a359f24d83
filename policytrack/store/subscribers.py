"""Subscriber rows: who gets a digest, stored beside the items so one file holds a run's state.

Only storage lives here; validating an address, a topic or a CSV row is the digest's job
(``policytrack.digest.subscribers``), which calls these operations with clean values.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from ..timeutil import utc_text

STATUSES = ("active", "unsubscribed")


@dataclass(frozen=True)
class Subscriber:
    id: int
    email: str
    name: str = ""
    topics: tuple[str, ...] = ()
    searches: tuple[str, ...] = ()  # names of [[saved_searches]] in the configuration
    queries: tuple[str, ...] = ()  # the subscriber's own queries, in policytrack's query language
    language: str = "en"
    status: str = "active"

    @property
    def active(self) -> bool:
        return self.status == "active"


@dataclass(frozen=True)
class SubscriberFields:
    """What a person chooses; already validated by the caller."""

    email: str
    name: str = ""
    topics: Sequence[str] = ()
    searches: Sequence[str] = ()
    queries: Sequence[str] = ()
    language: str = "en"

    def values(self) -> tuple[str, str, str, str, str]:
        return (
            self.name,
            json.dumps(list(self.topics)),
            json.dumps(list(self.searches)),
            json.dumps(list(self.queries)),
            self.language,
        )


_COLUMNS = "id, email, name, topics, searches, queries, language, status"


class SubscriberRows:
    """The ``subscribers`` table of one store."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def get(self, email: str) -> Subscriber | None:
        row = self._conn.execute(f"SELECT {_COLUMNS} FROM subscribers WHERE email = ?", (email.strip(),)).fetchone()
        return _subscriber(row) if row else None

    def by_id(self, subscriber_id: int) -> Subscriber | None:
        row = self._conn.execute(f"SELECT {_COLUMNS} FROM subscribers WHERE id = ?", (subscriber_id,)).fetchone()
        return _subscriber(row) if row else None

    def all(self, *, active_only: bool = False) -> Iterator[Subscriber]:
        sql = f"SELECT {_COLUMNS} FROM subscribers"
        if active_only:
            sql += " WHERE status = 'active'"
        for row in self._conn.execute(sql + " ORDER BY id"):
            yield _subscriber(row)

    def insert(self, fields: SubscriberFields, now: datetime) -> Subscriber:
        stamp = utc_text(now)
        with self._conn:
            cur = self._conn.execute(
                "INSERT INTO subscribers (email, name, topics, searches, queries, language, status,"
                " created, updated) VALUES (?, ?, ?, ?, ?, ?, 'active', ?, ?)",
                (fields.email, *fields.values(), stamp, stamp),
            )
        return self._must(int(cur.lastrowid or 0))

    def update(self, subscriber_id: int, fields: SubscriberFields, now: datetime) -> Subscriber:
        """Replace what the subscriber chose and make them active again (a deliberate act)."""
        with self._conn:
            self._conn.execute(
                "UPDATE subscribers SET name = ?, topics = ?, searches = ?, queries = ?, language = ?,"
                " status = 'active', updated = ? WHERE id = ?",
                (*fields.values(), utc_text(now), subscriber_id),
            )
        return self._must(subscriber_id)

    def unsubscribe(self, subscriber_id: int, now: datetime) -> None:
        with self._conn:
            self._conn.execute(
                "UPDATE subscribers SET status = 'unsubscribed', updated = ? WHERE id = ?",
                (utc_text(now), subscriber_id),
            )

    def purge(self, subscriber_id: int) -> None:
        """Delete the subscriber and every ledger row about them, in one transaction."""
        with self._conn:
            self._conn.execute("DELETE FROM digest_ledger WHERE subscriber_id = ?", (subscriber_id,))
            self._conn.execute("DELETE FROM subscribers WHERE id = ?", (subscriber_id,))

    def _must(self, subscriber_id: int) -> Subscriber:
        sub = self.by_id(subscriber_id)
        if sub is None:  # the row was written in the transaction just committed
            raise LookupError(f"subscriber #{subscriber_id} vanished after it was written")
        return sub


def _subscriber(row: tuple[int, str, str, str, str, str, str, str]) -> Subscriber:
    return Subscriber(
        row[0],
        row[1],
        row[2],
        tuple(json.loads(row[3])),
        tuple(json.loads(row[4])),
        tuple(json.loads(row[5])),
        row[6],
        row[7],
    )
