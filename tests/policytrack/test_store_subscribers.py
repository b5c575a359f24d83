"""Subscriber rows: the names of a subscriber's own saved searches (migration 3)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

from policytrack.store import SCHEMA_VERSION, Store, SubscriberFields
from policytrack.store.schema import MIGRATIONS

NOW = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)


def test_named_queries_are_kept_with_the_queries(tmp_path):
    with Store(tmp_path / "s.sqlite3") as store:
        rows = store.subscribers
        sub = rows.insert(
            SubscriberFields("ana@example.org", queries=("downstream", "repair"), query_names={"downstream": "CSDDD"}),
            NOW,
        )
        assert sub.query_names == (("downstream", "CSDDD"),) and sub.name_of("repair") == ""
        # an update that does not name queries (the CLI, a CSV import) keeps the names
        sub = rows.update(sub.id, SubscriberFields("ana@example.org", queries=("downstream",)), NOW)
        assert sub.name_of("downstream") == "CSDDD"
        # names of queries no longer followed go with them
        sub = rows.update(sub.id, SubscriberFields("ana@example.org", queries=("repair",), query_names={}), NOW)
        assert sub.query_names == ()
        raw = store._conn.execute("SELECT query_names FROM subscribers").fetchone()[0]
        assert raw == "{}"


def test_a_store_before_the_names_gains_them_empty(tmp_path):
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path)
    for number, (_, sql) in enumerate(MIGRATIONS[:2], 1):
        conn.executescript(f"BEGIN;{sql}PRAGMA user_version = {number};COMMIT;")
    conn.execute(
        "INSERT INTO subscribers (email, queries, created, updated) VALUES ('ana@example.org', '[\"x\"]', 't', 't')"
    )
    conn.commit()
    conn.close()
    with Store(path) as store:
        sub = store.subscribers.get("ana@example.org")
        assert sub.queries == ("x",) and sub.query_names == ()
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
