"""The embedded backend: SQLite FTS5 in files beside the store, no services needed.

``index.sqlite3`` names the generation file that holds the index (``embedded_files.py``): a
rebuild fills a new file and swaps the name in one transaction, so readers go from one complete
index to the next and the disk never holds a write-ahead log as big as the index. Incremental
writes go into the current file in one transaction each (WAL mode: readers keep their
snapshot until the commit).

Per item: a row of ``docs`` (what a hit shows), of ``fts`` (title, body, identifiers: BM25 with
column weights), of ``fac`` (facet codes and date) and of ``terms`` (multi-valued filters); per section
of a document (article, recital, annex) a row of ``sec`` (FTS5: heading, text) and of ``secs``
(kind, label, anchor), their rowids a range recorded on the document's row. How a search reads
them: ``embedded_search.py``.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from policytrack.timeutil import utc_text

from . import embedded_columns, embedded_files
from .base import Backend, Item, SearchResult, check_paging
from .embedded_files import Catalog, open_generation
from .embedded_filters import in_memory
from .embedded_search import WEIGHTS, Search
from .errors import IndexerError
from .fields import Record, player_terms, to_record
from .fts_query import Compiled, compile_fts
from .query import Node, parse

BATCH = 500
SEP = embedded_columns.SEP
SCHEMA = """
CREATE TABLE IF NOT EXISTS docs (
    rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, title TEXT NOT NULL,
    doc_type TEXT NOT NULL, date TEXT, year INTEGER, proc_type TEXT, stage TEXT, url TEXT,
    procedure TEXT, celex TEXT, topics TEXT NOT NULL, lead TEXT NOT NULL, changed TEXT NOT NULL,
    sec_lo INTEGER, sec_hi INTEGER
);
CREATE INDEX IF NOT EXISTS docs_order ON docs(date, id);
CREATE INDEX IF NOT EXISTS docs_changed ON docs(changed);
CREATE INDEX IF NOT EXISTS docs_filter ON docs(rowid, date, doc_type, proc_type, changed);
CREATE TABLE IF NOT EXISTS terms (doc INTEGER NOT NULL, field TEXT NOT NULL, value TEXT NOT NULL, norm TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS terms_lookup ON terms(field, norm, doc);
CREATE INDEX IF NOT EXISTS terms_doc ON terms(doc);
-- Facet values as two codes per row: one per combination of (type, year, procedure type,
-- stage), one per combination of (topics, authors, key players); and the date as YYYYMMDD.
CREATE TABLE IF NOT EXISTS fac (rowid INTEGER PRIMARY KEY, code1 INTEGER NOT NULL, code2 INTEGER NOT NULL, day INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS combo1 (code INTEGER PRIMARY KEY, doc_type TEXT, year INTEGER, proc_type TEXT, stage TEXT);
CREATE TABLE IF NOT EXISTS combo2 (code INTEGER PRIMARY KEY, topics TEXT, authors TEXT, players TEXT);
CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5(
    title, body, meta, tokenize = 'porter unicode61 remove_diacritics 2'
);
CREATE TABLE IF NOT EXISTS secs (rowid INTEGER PRIMARY KEY, kind TEXT NOT NULL, label TEXT NOT NULL, anchor TEXT NOT NULL);
CREATE VIRTUAL TABLE IF NOT EXISTS sec USING fts5(
    heading, body, tokenize = 'porter unicode61 remove_diacritics 2'
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""
# FTS5 keeps this setting in the index: ORDER BY rank is BM25 with title > meta > body.
RANKS = (f"INSERT INTO fts (fts, rank) VALUES ('rank', 'bm25({WEIGHTS})')",)


def _term_rows(rowid: int, rec: Record) -> list[tuple]:
    rows = [(rowid, "topic", t, t.casefold()) for t in rec.topics]
    rows += [(rowid, "author", a, a.casefold()) for a in rec.authors]
    rows += [(rowid, "procedure", p, p) for p in rec.procedures]
    rows += [(rowid, "celex", c, c) for c in rec.celexes]
    rows += [(rowid, "player", p, p) for p in player_terms(rec.players)]
    return rows


class EmbeddedBackend(Backend):
    name = "embedded"

    @property
    def target(self) -> str:
        return f"embedded:{self.path.resolve()}"

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._conn: sqlite3.Connection | None = None
        self._file = ""  # the generation file _conn reads
        # Where the last search (or rebuild) spent its time, in ms, by step (embedded_search.py):
        # read by benchmarks/bench_index.py and the app's Server-Timing header.
        self.timings: dict[str, float] = {}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.catalog = Catalog(self.path)
        except (sqlite3.Error, OSError) as e:
            raise IndexerError(f"{self.path}: cannot open the search index: {e}") from None

    @property
    def stale(self) -> bool:
        """Built by an older policytrack (its tables in the catalog): rebuild before use."""
        return self.catalog.legacy

    # -- the current generation
    def _current(self) -> sqlite3.Connection | None:
        """The connection to the generation file the catalog names now (None: never built)."""
        for _ in range(3):
            name = self.catalog.current()
            if name is None:
                return None
            if name == self._file and self._conn is not None:
                return self._conn
            self._close_data()
            try:
                conn = open_generation(self.catalog.file(name))
                # The first read opens the file's write-ahead log; if a rebuild replaced the file
                # before it, that log may be a new empty one: only trust a file still named after.
                conn.execute("SELECT value FROM meta WHERE key = 'writes'").fetchone()
            except sqlite3.OperationalError:
                continue  # replaced by a rebuild between the lookup and the open: look again
            if self.catalog.current() != name:
                conn.close()
                continue
            self._conn, self._file = conn, name
            return conn
        raise IndexerError(f"{self.path}: the index file it names keeps disappearing")

    @property
    def conn(self) -> sqlite3.Connection:
        """The connection to the current generation file (tests read its tables directly)."""
        conn = self._current()
        if conn is None:
            raise IndexerError(f"{self.path}: the index was never built: run `policytrack index`")
        return conn

    def _close_data(self) -> None:
        if self._conn is not None:
            self._conn.close()
        self._conn, self._file = None, ""

    def _state(self, conn: sqlite3.Connection) -> tuple:
        """What a cached facet count depends on: the file and its number of writes."""
        return (self._file, conn.execute("SELECT value FROM meta WHERE key = 'writes'").fetchone()[0])

    # -- writing
    def _check_fresh(self) -> None:
        if self.stale:
            raise IndexerError(
                f"{self.path}: the index was built by an older policytrack; run `policytrack index --rebuild`"
            )

    def index(self, items: Iterable[tuple[Item, datetime]], *, rebuild: bool = False) -> int:
        if rebuild:
            return self._rebuild(items)
        self._check_fresh()
        try:
            with self.catalog.writing():
                conn = self._current() or self._first_generation()
                return self._in_transaction(conn, lambda: self._fill(conn, items, fresh=False))
        except sqlite3.Error as e:
            raise IndexerError(f"{self.path}: indexing failed, nothing written: {e}") from None

    def delete(self, ids: Iterable[str]) -> None:
        try:
            with self.catalog.writing():
                conn = self._current()
                if conn is not None:
                    self._in_transaction(conn, lambda: _delete_ids(conn, list(ids)))
        except sqlite3.Error as e:
            raise IndexerError(f"{self.path}: delete failed: {e}") from None

    @staticmethod
    def _in_transaction(conn: sqlite3.Connection, work) -> int:
        conn.execute("BEGIN IMMEDIATE")
        try:
            count = work()
            conn.execute("UPDATE meta SET value = value + 1 WHERE key = 'writes'")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        return count or 0

    def _first_generation(self) -> sqlite3.Connection:
        """An empty index file named in the catalog (inside the catalog's write lock)."""
        name = self.catalog.new_name()
        conn = open_generation(self.catalog.file(name), create=True)
        conn.execute("PRAGMA journal_mode=WAL")
        _create(conn)
        conn.close()
        self.catalog.name(name)
        return self._current_after_naming(name)

    def _current_after_naming(self, name: str) -> sqlite3.Connection:
        self._close_data()
        self._conn, self._file = open_generation(self.catalog.file(name)), name
        return self._conn

    def _rebuild(self, items: Iterable[tuple[Item, datetime]]) -> int:
        try:
            with self.catalog.writing():
                old = self.catalog.current()
                leftovers = self.catalog.leftovers({old} if old else set())
                embedded_files.remove(leftovers)  # files of rebuilds that crashed
                name = self.catalog.new_name()
                path = self.catalog.file(name)
                try:
                    count = self._build(path, items)
                except BaseException:
                    embedded_files.remove(self.catalog.leftovers({old} if old else set()))
                    raise
                self.catalog.name(name)
            # Committed: new searches read the new file. Searches already running on the old one
            # keep it open until they finish (unlinked files live on while open).
            self._close_data()
            embedded_columns.forget(str(self.path.resolve()))
            embedded_files.remove(self.catalog.leftovers({name}))
            if self.catalog.legacy:
                self.catalog.drop_legacy()
        except sqlite3.Error as e:
            raise IndexerError(f"{self.path}: indexing failed, the index is unchanged: {e}") from None
        return count

    def _build(self, path: Path, items: Iterable[tuple[Item, datetime]]) -> int:
        """Fill a new generation file nobody reads yet: no journal (a crash leaves a file that the
        next rebuild deletes), merged into one FTS5 segment, then made durable and switched to WAL
        for its readers and writers."""
        conn = open_generation(path, create=True)
        clock = time.perf_counter()
        self.timings = {}
        try:
            conn.execute("PRAGMA journal_mode=OFF")
            conn.execute("PRAGMA synchronous=OFF")
            _create(conn)
            conn.execute("BEGIN")
            count = self._fill(conn, items, fresh=True)
            conn.execute("COMMIT")
            clock = self._lap("write", clock)
            conn.execute("INSERT INTO fts(fts) VALUES('optimize')")
            conn.execute("INSERT INTO sec(sec) VALUES('optimize')")
            conn.execute("PRAGMA journal_mode=WAL")
            clock = self._lap("optimize", clock)
        finally:
            conn.close()
        embedded_files.durable(path)
        self._lap("sync", clock)
        return count

    def _lap(self, step: str, since: float) -> float:
        now = time.perf_counter()
        self.timings[step] = (now - since) * 1000
        return now

    def _fill(self, conn: sqlite3.Connection, items: Iterable[tuple[Item, datetime]], *, fresh: bool) -> int:
        next_id = (conn.execute("SELECT max(rowid) FROM docs").fetchone()[0] or 0) + 1
        next_sec = (conn.execute("SELECT max(rowid) FROM secs").fetchone()[0] or 0) + 1
        codes = _Codes(conn)
        count = 0
        batch: list[Record] = []
        for item, changed in items:
            batch.append(to_record(item, changed))
            if len(batch) >= BATCH:
                next_id, next_sec = _write(conn, codes, batch, next_id, next_sec, fresh=fresh)
                count += len(batch)
                batch = []
        if batch:
            _write(conn, codes, batch, next_id, next_sec, fresh=fresh)
            count += len(batch)
        return count

    def optimize(self) -> None:
        """Merge FTS5 segments into one (a rebuild does it; after many incremental writes)."""
        conn = self.conn
        for table in ("fts", "sec"):
            conn.execute(f"INSERT INTO {table}({table}) VALUES('optimize')")

    # -- reading
    def count(self) -> int:
        conn = self._current()
        return 0 if conn is None else conn.execute("SELECT count(*) FROM docs").fetchone()[0]

    def _compile(self, tree: Node, changed_since: datetime | None) -> Compiled:
        comp = compile_fts(tree, in_memory)
        self._check_fresh()
        if changed_since is not None:
            comp.where.append("d.changed >= ?")
            comp.params.append(utc_text(changed_since))
        return comp

    @contextmanager
    def _reading(self) -> Iterator[Search | None]:
        """A search over one read transaction of the current file (None: never built): the
        page, the total and the facets see the same snapshot."""
        try:
            conn = self._current()
            if conn is None:
                yield None
                return
            own = not conn.in_transaction
            if own:
                conn.execute("BEGIN")
            try:
                state = self._state(conn)
                slot = str(self.path.resolve())
                yield Search(conn, lambda: embedded_columns.shared(conn, slot, state), self.timings)
            finally:
                if own and conn.in_transaction:
                    conn.execute("COMMIT")
        except sqlite3.OperationalError as e:
            # Compiled queries are valid FTS5; anything else here is the file, not the query.
            raise IndexerError(f"{self.path}: search failed: {e}") from None

    def search(
        self,
        query: str,
        *,
        page: int = 1,
        per_page: int = 20,
        facets: bool = False,
        changed_since: datetime | None = None,
        sort: str = "relevance",
    ) -> SearchResult:
        check_paging(page, per_page, sort)
        tree = parse(query)
        comp = self._compile(tree, changed_since)
        self.timings = {}
        with self._reading() as run:
            if run is None:
                return SearchResult(query, 0, (), (), page, per_page)
            return run.run(query, tree, comp, page, per_page, facets, sort)

    def ids(self, query: str, *, changed_since: datetime | None = None) -> Iterator[str]:
        """Every matching id (the digest's saved searches): the matches only, no page."""
        comp = self._compile(parse(query), changed_since)
        out: list[str] = []
        with self._reading() as run:
            if run is not None:
                rowids = run.matching(comp).tolist()
                for i in range(0, len(rowids), 500):
                    chunk = rowids[i : i + 500]
                    marks = ",".join("?" * len(chunk))
                    out += [r[0] for r in run.conn.execute(f"SELECT id FROM docs WHERE rowid IN ({marks})", chunk)]
        return iter(out)

    def close(self) -> None:
        self._close_data()
        self.catalog.close()


def _create(conn: sqlite3.Connection) -> None:
    conn.executescript(SCHEMA)
    for statement in RANKS:
        conn.execute(statement)
    conn.execute("INSERT OR IGNORE INTO meta VALUES ('writes', 0)")


class _Codes:
    """The combination codes of ``fac`` (``embedded_columns.py``), new ones added as written."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.one = {tuple(r[1:]): r[0] for r in conn.execute("SELECT * FROM combo1")}
        self.two = {tuple(r[1:]): r[0] for r in conn.execute("SELECT * FROM combo2")}

    def of(self, rec: Record) -> tuple[int, int]:
        one = (rec.doc_type, rec.year, rec.proc_type, rec.stage)
        two = (SEP.join(rec.topics), SEP.join(rec.authors), SEP.join(rec.players))
        return self._code(self.one, "combo1", one), self._code(self.two, "combo2", two)

    def _code(self, known: dict[tuple, int], table: str, combo: tuple) -> int:
        code = known.get(combo)
        if code is None:
            code = known[combo] = len(known)
            self.conn.execute(f"INSERT INTO {table} VALUES ({','.join('?' * (len(combo) + 1))})", (code, *combo))
        return code


def _day(text: str | None) -> int:
    return int(text[:4] + text[5:7] + text[8:10]) if text else 0


def _write(
    conn: sqlite3.Connection, codes: _Codes, batch: list[Record], next_id: int, next_sec: int, *, fresh: bool
) -> tuple[int, int]:
    # The same id twice in one batch: the last one wins, as it would across batches.
    batch = list({r.id: r for r in batch}.values())
    if not fresh:
        _delete_ids(conn, [r.id for r in batch])
    docs, fts, terms, fac, secs, sec = [], [], [], [], [], []
    for rec in batch:
        rowid, next_id = next_id, next_id + 1
        lo = next_sec if rec.sections else None
        for s in rec.sections:
            secs.append((next_sec, s.kind, s.label, s.anchor))
            sec.append((next_sec, s.heading, s.body))
            next_sec += 1
        hi = next_sec - 1 if rec.sections else None
        docs.append(
            (
                rowid,
                rec.id,
                rec.kind,
                rec.title,
                rec.doc_type,
                rec.date,
                rec.year,
                rec.proc_type,
                rec.stage,
                rec.url,
                rec.procedure,
                rec.celex,
                json.dumps(rec.topics),
                rec.lead,
                rec.changed,
                lo,
                hi,
            )
        )
        fts.append((rowid, rec.title, rec.body, rec.meta))
        terms.extend(_term_rows(rowid, rec))
        fac.append((rowid, *codes.of(rec), _day(rec.date)))
    conn.executemany("INSERT INTO docs VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", docs)
    conn.executemany("INSERT INTO fts (rowid, title, body, meta) VALUES (?,?,?,?)", fts)
    conn.executemany("INSERT INTO terms VALUES (?,?,?,?)", terms)
    conn.executemany("INSERT INTO fac VALUES (?,?,?,?)", fac)
    if secs:
        conn.executemany("INSERT INTO secs VALUES (?,?,?,?)", secs)
        conn.executemany("INSERT INTO sec (rowid, heading, body) VALUES (?,?,?)", sec)
    return next_id, next_sec


def _delete_ids(conn: sqlite3.Connection, ids: list[str]) -> None:
    rows: list[tuple[int, int | None, int | None]] = []
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        rows += conn.execute(
            f"SELECT rowid, sec_lo, sec_hi FROM docs WHERE id IN ({','.join('?' * len(chunk))})", chunk
        ).fetchall()
    if not rows:
        return
    args = [(r,) for r, _, _ in rows]
    conn.executemany("DELETE FROM fts WHERE rowid = ?", args)
    conn.executemany("DELETE FROM terms WHERE doc = ?", args)
    conn.executemany("DELETE FROM fac WHERE rowid = ?", args)
    conn.executemany("DELETE FROM docs WHERE rowid = ?", args)
    ranges = [(lo, hi) for _, lo, hi in rows if lo is not None]
    conn.executemany("DELETE FROM sec WHERE rowid BETWEEN ? AND ?", ranges)
    conn.executemany("DELETE FROM secs WHERE rowid BETWEEN ? AND ?", ranges)
