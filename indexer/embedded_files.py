"""Where the embedded index lives: a small catalog file naming the current generation file.

``index.sqlite3`` (the path the settings give) is a catalog: one row naming the file that holds
the index, ``index.<generation>.sqlite3`` beside it. Readers look the name up at each search
(one indexed read) and follow it when it changes. A rebuild writes a whole new generation file
that nobody reads yet, with no journal (a crash leaves a file nobody names, deleted by the next
rebuild), makes it durable, and then names it in the catalog in one small transaction: readers
switch from one complete index to the other, never see a half-built one, and the disk holds at
most the old index, the new one and a few pages of journal. A rebuild into the same file would
keep the whole new index in the write-ahead log until its commit (a 6 GB WAL next to a 6 GB
index at 1 M items) and drop the old tables page by page.

Every writer holds the catalog's write lock while it writes (a rebuild for its whole run), so two
``policytrack index`` runs never interleave: the second waits ``BUSY_MS`` and then fails with
"database is locked", as before. Readers never wait for it (WAL mode).
"""

from __future__ import annotations

import os
import re
import secrets
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import IndexerError

BUSY_MS = 10_000
_SCHEMA = "CREATE TABLE IF NOT EXISTS generation (one INTEGER PRIMARY KEY CHECK (one = 1), name TEXT NOT NULL)"


class Catalog:
    """The catalog file at ``path``: which generation file is the index."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=FULL")  # the one commit that swaps an index must last
        self.conn.execute(f"PRAGMA busy_timeout={BUSY_MS}")
        tables = {r[0] for r in self.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        # An index written by policytrack before generation files held its tables here.
        self.legacy = "docs" in tables
        if "generation" not in tables:
            self.conn.execute(_SCHEMA)

    def current(self) -> str | None:
        row = self.conn.execute("SELECT name FROM generation").fetchone()
        return row[0] if row else None

    def file(self, name: str) -> Path:
        return self.path.with_name(name)

    def new_name(self) -> str:
        return f"{self.path.stem}.{time.time_ns():x}{secrets.token_hex(2)}{self.path.suffix}"

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the write lock: one writer at a time (readers are not held up)."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def name(self, generation: str) -> None:
        """Make ``generation`` the index (inside ``writing``; readers see it once committed)."""
        self.conn.execute("INSERT OR REPLACE INTO generation (one, name) VALUES (1, ?)", (generation,))

    def leftovers(self, keep: set[str]) -> list[Path]:
        """Generation files beside the catalog that are not in ``keep`` (replaced, or left by a
        rebuild that crashed), with their journal files."""
        pattern = re.compile(
            rf"^{re.escape(self.path.stem)}\.[0-9a-f]+{re.escape(self.path.suffix)}(-wal|-shm|-journal)?$"
        )
        out = []
        for p in self.path.parent.iterdir():
            m = pattern.match(p.name)
            if m and p.name.removesuffix(m[1] or "") not in keep:
                out.append(p)
        return out

    def drop_legacy(self) -> None:
        """Drop the tables an index of an older policytrack kept here, and give back their space."""
        for table in ("fts", "terms", "fac", "docs"):
            self.conn.execute(f"DROP TABLE IF EXISTS {table}")
        self.conn.execute("VACUUM")
        self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.legacy = False

    def close(self) -> None:
        self.conn.close()


def open_generation(path: Path, *, create: bool = False) -> sqlite3.Connection:
    """A connection to a generation file; it must exist unless ``create`` (a file that a rebuild
    just replaced is gone: the caller looks the name up again)."""
    mode = "rwc" if create else "rw"
    conn = sqlite3.connect(f"file:{path}?mode={mode}", uri=True, isolation_level=None, check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout={BUSY_MS}")
    conn.execute("PRAGMA temp_store=MEMORY")
    conn.execute("PRAGMA cache_size=-65536")
    # Every connection of every process maps the same file: the operating system's page cache
    # is shared, so a connection of the app's pool is warm as soon as another one is.
    conn.execute("PRAGMA mmap_size=2147418112")
    conn.execute("PRAGMA secure_delete=OFF")  # an index holds nothing that a deletion must wipe
    return conn


def durable(path: Path) -> None:
    """Flush a file written without a journal, and the folder entry that names it."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def remove(paths: list[Path]) -> None:
    for p in paths:
        try:
            p.unlink(missing_ok=True)
        except OSError as e:
            raise IndexerError(f"{p}: cannot remove an old index file: {e}") from None
