"""The store's schema, as numbered migrations, and the one function that applies them.

SQLite's ``user_version`` holds the number of the last migration applied. Opening a store runs
the missing ones, each in its own transaction (DDL is transactional in SQLite), so a store is
never left half-upgraded. A store written by a newer policytrack is refused rather than
misread. To change the schema, append a migration: never edit one that has shipped.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from ..errors import StoreError

# Migration 1 is the schema of the first release (stores of that release carry no
# user_version), written with IF NOT EXISTS so that it adopts them as they are.
MIGRATIONS: tuple[tuple[str, str], ...] = (
    (
        "items and their change log",
        """
        CREATE TABLE IF NOT EXISTS items (
            id TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            hash TEXT NOT NULL,
            data TEXT NOT NULL,
            first_seen TEXT NOT NULL,
            last_changed TEXT NOT NULL,
            last_seen TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS items_kind ON items(kind);
        CREATE INDEX IF NOT EXISTS items_changed ON items(last_changed);
        CREATE TABLE IF NOT EXISTS changes (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            at TEXT NOT NULL,
            item_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            change TEXT NOT NULL,
            detail TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS changes_at ON changes(at);
        CREATE INDEX IF NOT EXISTS changes_item ON changes(item_id);
        CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        """,
    ),
    (
        "digest subscribers and the digest ledger",
        """
        CREATE TABLE IF NOT EXISTS subscribers (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            email TEXT NOT NULL UNIQUE COLLATE NOCASE,
            name TEXT NOT NULL DEFAULT '',
            topics TEXT NOT NULL DEFAULT '[]',
            searches TEXT NOT NULL DEFAULT '[]',
            queries TEXT NOT NULL DEFAULT '[]',
            language TEXT NOT NULL DEFAULT 'en',
            status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'unsubscribed')),
            created TEXT NOT NULL,
            updated TEXT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS digest_ledger (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            subscriber_id INTEGER NOT NULL REFERENCES subscribers(id),
            period_start TEXT NOT NULL,
            period_end TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'empty', 'cancelled')),
            message_id TEXT NOT NULL DEFAULT '',
            attempts INTEGER NOT NULL DEFAULT 0,
            error TEXT NOT NULL DEFAULT '',
            updated TEXT NOT NULL,
            UNIQUE (subscriber_id, period_start)
        );
        CREATE INDEX IF NOT EXISTS digest_ledger_state ON digest_ledger(state);
        """,
    ),
    (
        "per-source records, dossier links, crawl sessions, tracked items, legislative dates",
        """
        CREATE TABLE source_records (
            item_id TEXT NOT NULL,
            source TEXT NOT NULL,
            origin TEXT NOT NULL DEFAULT '',
            kind TEXT NOT NULL,
            hash TEXT NOT NULL,
            data TEXT NOT NULL,
            first_fetched TEXT NOT NULL,
            fetched TEXT NOT NULL,
            changed TEXT NOT NULL,
            PRIMARY KEY (item_id, source, origin)
        );
        CREATE INDEX source_records_origin ON source_records(origin, source);
        CREATE TABLE links (
            procedure TEXT NOT NULL,
            item_id TEXT NOT NULL,
            via TEXT NOT NULL,
            PRIMARY KEY (procedure, item_id, via)
        );
        CREATE INDEX links_item ON links(item_id);
        CREATE INDEX links_via ON links(via);
        CREATE TABLE crawls (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            spider TEXT NOT NULL,
            started TEXT NOT NULL,
            finished TEXT,
            items INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX crawls_spider ON crawls(spider, finished);
        ALTER TABLE items ADD COLUMN topics TEXT NOT NULL DEFAULT '[]';
        ALTER TABLE items ADD COLUMN tracked INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE items ADD COLUMN rev INTEGER NOT NULL DEFAULT 0;
        CREATE INDEX items_rev ON items(rev);
        CREATE INDEX items_tracked ON items(tracked, kind);
        ALTER TABLE changes ADD COLUMN happened TEXT;
        ALTER TABLE changes ADD COLUMN baseline INTEGER NOT NULL DEFAULT 0;
        -- What older stores hold becomes each item's record from the source that wrote it
        -- last; the store then derives the merged items and their topics again (derive.py).
        INSERT INTO source_records
            SELECT id, json_extract(data, '$.source'), '', kind, hash, data, first_seen, last_seen, last_changed
            FROM items WHERE kind IN ('document', 'procedure');
        DELETE FROM meta WHERE key IN ('derived', 'topics');
        """,
    ),
    (
        "names of a subscriber's own saved searches",
        # A JSON object {query: name}: the names people give the searches they save in the app.
        # The queries themselves stay in `queries`, which the digest reads.
        """
        ALTER TABLE subscribers ADD COLUMN query_names TEXT NOT NULL DEFAULT '{}';
        """,
    ),
    (
        "digest ledger: when a message was handed over, the server's reply, how a row was settled",
        # A row left 'sending' by the previous release may have been handed over: it stays
        # uncertain (settled by a person), never resent on its own.
        """
        ALTER TABLE digest_ledger ADD COLUMN handed_over TEXT NOT NULL DEFAULT '';
        ALTER TABLE digest_ledger ADD COLUMN reply TEXT NOT NULL DEFAULT '';
        ALTER TABLE digest_ledger ADD COLUMN settled TEXT NOT NULL DEFAULT '';
        UPDATE digest_ledger SET handed_over = updated WHERE state = 'sending';
        """,
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)


def version_of(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def check_version(conn: sqlite3.Connection, path: Path) -> int:
    """The store's schema version; a store from a newer policytrack is a StoreError."""
    version = version_of(conn)
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"{path}: the store has schema version {version}, newer than this policytrack knows "
            f"({SCHEMA_VERSION}); upgrade policytrack"
        )
    return version


def migrate(conn: sqlite3.Connection, path: Path) -> int:
    """Apply the migrations the store lacks; returns how many ran."""
    start = check_version(conn, path)
    for number, (what, sql) in enumerate(MIGRATIONS[start:], start + 1):
        try:
            # executescript commits first and runs the text as written: BEGIN … COMMIT makes
            # the migration and its version stamp one transaction.
            conn.executescript(f"BEGIN IMMEDIATE;\n{sql}\nPRAGMA user_version = {number};\nCOMMIT;")
        except sqlite3.DatabaseError as e:
            if conn.in_transaction:
                conn.rollback()
            raise StoreError(f"{path}: schema migration {number} ({what}) failed and was rolled back: {e}") from None
    return SCHEMA_VERSION - start
