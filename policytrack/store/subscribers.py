"""Subscriber rows: who gets a digest, stored beside the items so one file holds a run's state.

Only storage lives here; validating an address, a topic or a CSV row is the digest's job
(``policytrack.digest.subscribers``), which calls these operations with clean values.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
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
    query_names: tuple[tuple[str, str], ...] = ()  # (query, name) for the own queries that have a name

    @property
    def active(self) -> bool:
        return self.status == "active"

    def name_of(self, query: str) -> str:
        """The name the subscriber gave one of their own queries ("" when none)."""
        return dict(self.query_names).get(query, "")


@dataclass(frozen=True)
class SubscriberFields:
    """What a person chooses; already validated by the caller."""

    email: str
    name: str = ""
    topics: Sequence[str] = ()
    searches: Sequence[str] = ()
    queries: Sequence[str] = ()
    language: str = "en"
    # {query: name}; None keeps the names already stored (callers that do not name queries)
    query_names: Mapping[str, str] | None = None

    def values(self) -> tuple[str, str, str, str, str]:
        return (
            self.name,
            json.dumps(list(self.topics)),
            json.dumps(list(self.searches)),
            json.dumps(list(self.queries)),
            self.language,
        )

    def names_json(self) -> str:
        """The names of the queries still followed, as stored."""
        names = self.query_names or {}
        return json.dumps({q: names[q] for q in self.queries if names.get(q)}, ensure_ascii=False)


_COLUMNS = "id, email, name, topics, searches, queries, language, status, query_names"


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
                " created, updated, query_names) VALUES (?, ?, ?, ?, ?, ?, 'active', ?, ?, ?)",
                (fields.email, *fields.values(), stamp, stamp, fields.names_json()),
            )
        return self._must(int(cur.lastrowid or 0))

    def update(self, subscriber_id: int, fields: SubscriberFields, now: datetime) -> Subscriber:
        """Replace what the subscriber chose and make them active again (a deliberate act).

        Without ``fields.query_names`` the stored names of the queries still followed are kept.
        """
        with self._conn:
            if fields.query_names is None:
                old = self.by_id(subscriber_id)
                kept = dict(old.query_names) if old else {}
                fields = replace(fields, query_names=kept)
            self._conn.execute(
                "UPDATE subscribers SET name = ?, topics = ?, searches = ?, queries = ?, language = ?,"
                " status = 'active', updated = ?, query_names = ? WHERE id = ?",
                (*fields.values(), utc_text(now), fields.names_json(), subscriber_id),
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


def _subscriber(row: tuple[int, str, str, str, str, str, str, str, str]) -> Subscriber:
    names = json.loads(row[8])
    queries = tuple(json.loads(row[5]))
    return Subscriber(
        row[0],
        row[1],
        row[2],
        tuple(json.loads(row[3])),
        tuple(json.loads(row[4])),
        queries,
        row[6],
        row[7],
        tuple((q, str(names[q])) for q in queries if names.get(q)),
    )
