"""The embedded backend: SQLite FTS5 in one file beside the store, no services needed.

Ranking is BM25 with column weights (title above identifiers above body); snippets come from
FTS5's ``snippet()``, for the returned page only; facets are counted over the matching rowids
with per-row facet codes kept in memory (``_FacetCodes``, reloaded after any write, by any
connection), so the match-all query's facets cost nothing and a filter-only query's are
remembered until the next write. A rebuild drops and
refills the tables inside one transaction, so readers keep seeing the old index until the new
one is committed (WAL mode).
"""

from __future__ import annotations

import heapq
import json
import sqlite3
from array import array
from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from operator import itemgetter
from pathlib import Path

from policytrack.timeutil import utc_text

from .base import Backend, Facet, Hit, Item, SearchResult, check_paging
from .errors import IndexerError
from .fields import FACETS, Record, player_terms, to_record
from .fts_query import Compiled, compile_fts
from .query import parse

FACET_SIZE = 10
BATCH = 500
FILTER_CACHE = 64  # facets of queries without words, remembered until the next write
SEP = "\x1f"  # joins multi-valued facet values in one column (never in scraped text: model strips controls)
SCHEMA = """
CREATE TABLE IF NOT EXISTS docs (
    rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, title TEXT NOT NULL,
    doc_type TEXT NOT NULL, date TEXT, year INTEGER, proc_type TEXT, stage TEXT, url TEXT,
    procedure TEXT, celex TEXT, topics TEXT NOT NULL, lead TEXT NOT NULL, changed TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS docs_date ON docs(date);
CREATE INDEX IF NOT EXISTS docs_changed ON docs(changed);
CREATE INDEX IF NOT EXISTS docs_type ON docs(doc_type, date);
CREATE INDEX IF NOT EXISTS docs_proc_type ON docs(proc_type, date);
CREATE INDEX IF NOT EXISTS docs_filter ON docs(rowid, date, doc_type, proc_type, changed);
CREATE TABLE IF NOT EXISTS terms (doc INTEGER NOT NULL, field TEXT NOT NULL, value TEXT NOT NULL, norm TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS terms_lookup ON terms(field, norm, doc);
CREATE INDEX IF NOT EXISTS terms_doc ON terms(doc);
CREATE TABLE IF NOT EXISTS fac (
    rowid INTEGER PRIMARY KEY, doc_type TEXT, year INTEGER, proc_type TEXT, stage TEXT, topics TEXT, authors TEXT,
    players TEXT
);
CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5(
    title, body, meta, tokenize = 'porter unicode61 remove_diacritics 2'
);
"""
# FTS5 keeps this setting in the index: ORDER BY rank is BM25 with title > meta > body.
WEIGHTS = "10.0, 1.0, 4.0"
RANK = f"INSERT INTO fts (fts, rank) VALUES ('rank', 'bm25({WEIGHTS})')"
BM25 = f"bm25(fts, {WEIGHTS})"  # the same score as ORDER BY rank, for every match at once
_DOC_COLS = "d.id, d.kind, d.title, d.doc_type, d.date, d.url, d.procedure, d.celex, d.topics, d.lead"


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
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=NORMAL")
            self.conn.execute("PRAGMA busy_timeout=10000")
            self.conn.execute("PRAGMA temp_store=MEMORY")
            self.conn.execute("PRAGMA cache_size=-65536")
            fresh = not self.conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'fts'").fetchone()
            self.conn.executescript(SCHEMA)
            if fresh:
                self.conn.execute(RANK)
            # An index written by an older policytrack lacks columns this one reads.
            self.stale = "players" not in {r[1] for r in self.conn.execute("PRAGMA table_info(fac)")}
            self._writes = 0  # our own commits (PRAGMA data_version only sees other connections')
            self._codes_cache: _FacetCodes | None = None
            self._filter_facets: dict[tuple, tuple[int, tuple[Facet, ...]]] = {}
        except (sqlite3.Error, OSError) as e:
            raise IndexerError(f"{self.path}: cannot open the search index: {e}") from None

    # -- writing
    def _check_fresh(self) -> None:
        if self.stale:
            raise IndexerError(
                f"{self.path}: the index was built by an older policytrack; run `policytrack index --rebuild`"
            )

    def index(self, items: Iterable[tuple[Item, datetime]], *, rebuild: bool = False) -> int:
        if not rebuild:
            self._check_fresh()
        count = 0
        self._writes += 1
        try:
            self.conn.execute("BEGIN IMMEDIATE")
            if rebuild:
                # executescript() would commit: run each statement inside this transaction.
                for table in ("fts", "terms", "fac", "docs"):
                    self.conn.execute(f"DROP TABLE IF EXISTS {table}")
                for statement in SCHEMA.split(";"):
                    if statement.strip():
                        self.conn.execute(statement)
                self.conn.execute(RANK)
            next_id = (self.conn.execute("SELECT max(rowid) FROM docs").fetchone()[0] or 0) + 1
            batch: list[Record] = []
            for item, changed in items:
                batch.append(to_record(item, changed))
                if len(batch) >= BATCH:
                    next_id = self._write(batch, next_id, fresh=rebuild)
                    count += len(batch)
                    batch = []
            if batch:
                self._write(batch, next_id, fresh=rebuild)
                count += len(batch)
            self.conn.execute("COMMIT")
            self.stale = False
        except sqlite3.Error as e:
            self._rollback()
            raise IndexerError(f"{self.path}: indexing failed, nothing written: {e}") from None
        except BaseException:
            self._rollback()
            raise
        return count

    def _rollback(self) -> None:
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")

    def _write(self, batch: list[Record], next_id: int, *, fresh: bool) -> int:
        # The same id twice in one batch: the last one wins, as it would across batches.
        batch = list({r.id: r for r in batch}.values())
        if not fresh:
            self._delete_ids([r.id for r in batch])
        docs, fts, terms, fac = [], [], [], []
        for rec in batch:
            rowid, next_id = next_id, next_id + 1
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
                )
            )
            fts.append((rowid, rec.title, rec.body, rec.meta))
            terms.extend(_term_rows(rowid, rec))
            fac.append(
                (
                    rowid,
                    rec.doc_type,
                    rec.year,
                    rec.proc_type,
                    rec.stage,
                    SEP.join(rec.topics),
                    SEP.join(rec.authors),
                    SEP.join(rec.players),
                )
            )
        c = self.conn
        c.executemany("INSERT INTO docs VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", docs)
        c.executemany("INSERT INTO fts (rowid, title, body, meta) VALUES (?,?,?,?)", fts)
        c.executemany("INSERT INTO terms VALUES (?,?,?,?)", terms)
        c.executemany("INSERT INTO fac VALUES (?,?,?,?,?,?,?,?)", fac)
        return next_id

    def _delete_ids(self, ids: list[str]) -> None:
        rowids: list[int] = []
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            rowids += [
                r[0]
                for r in self.conn.execute(f"SELECT rowid FROM docs WHERE id IN ({','.join('?' * len(chunk))})", chunk)
            ]
        if rowids:
            args = [(r,) for r in rowids]
            self.conn.executemany("DELETE FROM fts WHERE rowid = ?", args)
            self.conn.executemany("DELETE FROM terms WHERE doc = ?", args)
            self.conn.executemany("DELETE FROM fac WHERE rowid = ?", args)
            self.conn.executemany("DELETE FROM docs WHERE rowid = ?", args)

    def delete(self, ids: Iterable[str]) -> None:
        self._writes += 1
        try:
            self.conn.execute("BEGIN IMMEDIATE")
            self._delete_ids(list(ids))
            self.conn.execute("COMMIT")
        except sqlite3.Error as e:
            self._rollback()
            raise IndexerError(f"{self.path}: delete failed: {e}") from None

    def optimize(self) -> None:
        """Merge FTS5 segments into one: faster queries after a big load."""
        self.conn.execute("INSERT INTO fts(fts) VALUES('optimize')")

    # -- reading
    def count(self) -> int:
        return self.conn.execute("SELECT count(*) FROM docs").fetchone()[0]

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
        comp = compile_fts(parse(query))
        self._check_fresh()
        if changed_since is not None:
            comp.where.append("d.changed >= ?")
            comp.params.append(utc_text(changed_since))
        # One read transaction: the page, the total and the facets see the same snapshot.
        own = not self.conn.in_transaction
        try:
            if own:
                self.conn.execute("BEGIN")
            try:
                return self._run(query, comp, page, per_page, facets, sort)
            finally:
                if own and self.conn.in_transaction:
                    self.conn.execute("COMMIT")
        except sqlite3.OperationalError as e:
            # Compiled queries are valid FTS5; anything else here is the file, not the query.
            raise IndexerError(f"{self.path}: search failed: {e}") from None

    def _from(self, comp: Compiled, *, need_docs: bool) -> tuple[str, str, list]:
        """FROM…WHERE for the query, the rowid expression, and the parameters.

        With a MATCH, CROSS JOIN makes FTS5 drive: probing FTS5 once per row of a filter's
        index (SQLite's own choice when filters have indexes) is orders of magnitude slower.
        """
        where = " AND ".join(comp.where)
        # docs_filter holds every column a filter reads, keyed by rowid: checking filters
        # against it touches a few narrow pages instead of a wide docs row per candidate
        # (1.5-3× faster at 1 M items, where docs no longer fits the page cache).
        narrow = "" if need_docs else " INDEXED BY docs_filter"
        if comp.match is None:
            # Without words the filters' own indexes drive (SQLite's choice), except that when
            # every match is wanted (count, facets) the rows a terms list (topic, author…)
            # selects are checked against docs_filter (about 2× faster at 1 M items). Not for
            # the page: there SQLite's plan over docs (walking a date index) is much faster.
            if not need_docs and "FROM terms" in where and " OR " not in where:
                return f"docs d INDEXED BY docs_filter WHERE {where}", "d.rowid", list(comp.params)
            return f"docs d WHERE {where or '1'}", "d.rowid", list(comp.params)
        if where or need_docs:
            return (
                f"fts CROSS JOIN docs d{narrow} ON d.rowid = fts.rowid WHERE fts MATCH ? AND {where or '1'}",
                "fts.rowid",
                [comp.match, *comp.params],
            )
        return "fts WHERE fts MATCH ?", "fts.rowid", [comp.match]

    def _run(self, query: str, comp: Compiled, page: int, per_page: int, facets: bool, sort: str) -> SearchResult:
        c = self.conn
        offset = (page - 1) * per_page
        ranked = comp.match is not None and sort == "relevance"
        facet_list: tuple[Facet, ...] = ()
        if ranked and facets:
            # Facets need every match anyway: one pass gives the scores, the total and the
            # rowids (FTS5's ORDER BY rank would score every match too, and the count and the
            # facets would evaluate the query twice more). Matches come in rowid order and the
            # sort is stable, so equal scores keep rowid order.
            base, rid, args = self._from(comp, need_docs=False)
            rows = c.execute(f"SELECT {rid}, {BM25} FROM {base}", args).fetchall()
            page_rows = heapq.nsmallest(offset + per_page, rows, key=itemgetter(1))[offset:]
            total, facet_list = self._facets([r for r, _ in rows], None)
            return SearchResult(query, total, self._hits(page_rows, comp.match), facet_list, page, per_page)
        if ranked:
            # FTS5 sorts by its configured rank (BM25 with column weights) itself: only the
            # page's rows are then looked up and given snippets.
            base, rid, args = self._from(comp, need_docs=False)
            page_rows = c.execute(
                f"SELECT {rid}, fts.rank FROM {base} ORDER BY fts.rank LIMIT ? OFFSET ?", [*args, per_page, offset]
            ).fetchall()
        else:
            base, rid, args = self._from(comp, need_docs=True)
            # SQLite sorts NULL first: newest-first needs no help (and can walk docs_date).
            order = "d.date DESC, d.id" if sort != "oldest" else "d.date IS NULL, d.date, d.id"
            page_rows = c.execute(
                f"SELECT {rid}, 0.0 FROM {base} ORDER BY {order} LIMIT ? OFFSET ?", [*args, per_page, offset]
            ).fetchall()
        base, rid, args = self._from(comp, need_docs=False)
        if facets:
            total, facet_list = self._facets_of_query(base, rid, args)
        else:
            total = c.execute(f"SELECT count(*) FROM {base}", args).fetchone()[0]
        return SearchResult(query, total, self._hits(page_rows, comp.match), facet_list, page, per_page)

    def _hits(self, page_rows: list[tuple], match: str | None) -> tuple[Hit, ...]:
        if not page_rows:
            return ()
        rowids = [r[0] for r in page_rows]
        docs = {
            row[0]: row[1:]
            for row in self.conn.execute(
                f"SELECT rowid, {_DOC_COLS.replace('d.', '')} FROM docs WHERE rowid IN ({','.join('?' * len(rowids))})",
                rowids,
            )
        }
        hits = []
        for rowid, rank in page_rows:
            snip = ""
            if match is not None:
                row = self.conn.execute(
                    "SELECT snippet(fts, 1, '«', '»', '…', 20) FROM fts WHERE fts MATCH ? AND rowid = ?", (match, rowid)
                ).fetchone()
                snip = row[0] if row else ""
            hits.append(_hit(docs[rowid], -float(rank) or 0.0, snip))
        return tuple(hits)

    def _codes(self) -> _FacetCodes:
        """The facet codes for the index as this read transaction sees it, loaded once per
        generation (a commit by any connection moves ``data_version``; our own writes move
        ``_writes``). Loading reads all of ``fac``: about 1.3 s at 1 M items, paid by the first
        query with facets after opening the index or after a write."""
        key = (self.conn.execute("PRAGMA data_version").fetchone()[0], self._writes)
        if self._codes_cache is None or self._codes_cache.key != key:
            self._codes_cache = None  # let the old arrays go before the new ones are built
            self._filter_facets.clear()
            self._codes_cache = _FacetCodes(self.conn, key)
        return self._codes_cache

    def _facets_of_query(self, base: str, rid: str, args: list) -> tuple[int, tuple[Facet, ...]]:
        """Facets of a query without words (filters only, or everything): the match-all counts
        are kept with the codes, and a filter's are remembered until the next write."""
        codes = self._codes()
        if base == "docs d WHERE 1":
            return self._facets(None, codes.all_counts)
        key = (base, tuple(args))
        if key not in self._filter_facets:
            if len(self._filter_facets) >= FILTER_CACHE:
                self._filter_facets.pop(next(iter(self._filter_facets)))
            self._filter_facets[key] = self._facets(
                [r for (r,) in self.conn.execute(f"SELECT {rid} FROM {base}", args)], None
            )
        return self._filter_facets[key]

    def _facets(self, rowids: list[int] | None, counted: tuple[Counter, ...] | None) -> tuple[int, tuple[Facet, ...]]:
        """The total and the seven facets over ``rowids`` (or from per-code counts).

        Every row of ``fac`` is coded by two small integers, one for its combination of the four
        single-valued facets and one for its combination of topics, authors and key players (``_FacetCodes``,
        kept in memory per index generation). Counting the matches is then two passes over
        their rowids in C (``Counter`` over the codes): a few hundred ns a match instead of
        the ~2 µs of a temporary table, a join and two GROUP BYs in SQL. The combinations are
        few, and are split and summed here.
        """
        codes = self._codes()
        if counted is None:
            assert rowids is not None
            counted = codes.count(rowids)
        counts: dict[str, Counter] = {name: Counter() for name, _ in FACETS}
        singles = [counts[name] for name in ("type", "year", "procedure_type", "stage")]
        total = 0
        for code, k in counted[0].items():
            total += k  # every item has a type: this is the number of matches
            for i, value in codes.singles[code]:
                singles[i][value] += k
        for code, k in counted[1].items():
            topics, authors, players = codes.multis[code]
            for value in topics:
                counts["topic"][value] += k
            for value in authors:
                counts["author"][value] += k
            for value in players:
                counts["player"][value] += k
        facets = tuple(
            Facet(name, tuple(sorted(counts[name].items(), key=lambda kv: (-kv[1], kv[0]))[:FACET_SIZE]))
            for name, _ in FACETS
        )
        return total, facets

    def close(self) -> None:
        self.conn.close()


class _FacetCodes:
    """Per rowid, the code of its (type, year, procedure type, stage) combination and of its
    (topics, authors, key players) combination, in ``arrays`` (-1: no such row; both kinds of
    combination are few: ~3 000 and ~400 at 1 M generated items); per code, the facet values
    behind it (``singles``: (facet index, value) pairs; ``multis``: (topics, authors, players));
    and the counts
    per code over the whole index (the match-all facets) in ``all_counts``."""

    def __init__(self, conn: sqlite3.Connection, key: tuple) -> None:
        self.key = key
        top = conn.execute("SELECT max(rowid) FROM fac").fetchone()[0] or 0
        self.arrays = (array("i", [-1]) * (top + 1), array("i", [-1]) * (top + 1))
        a1, a2 = self.arrays
        ids1: dict[tuple, int] = {}
        ids2: dict[tuple, int] = {}
        for rowid, doc_type, year, proc_type, stage, topics, authors, players in conn.execute(
            "SELECT rowid, doc_type, year, proc_type, stage, topics, authors, players FROM fac"
        ):
            a1[rowid] = ids1.setdefault((doc_type, year, proc_type, stage), len(ids1))
            a2[rowid] = ids2.setdefault((topics, authors, players), len(ids2))
        self.singles = [tuple((i, str(v)) for i, v in enumerate(combo) if v is not None) for combo in ids1]
        self.multis = [tuple(tuple(v.split(SEP)) if v else () for v in combo) for combo in ids2]
        self.all_counts = tuple(self._without_missing(Counter(a)) for a in self.arrays)

    @staticmethod
    def _without_missing(c: Counter) -> Counter:
        c.pop(-1, None)
        return c

    def count(self, rowids: list[int]) -> tuple[Counter, ...]:
        return tuple(Counter(map(a.__getitem__, rowids)) for a in self.arrays)


def _hit(r: tuple, score: float, snip: str) -> Hit:
    id_, kind, title, doc_type, date, url, procedure, celex, topics, lead = r
    snippet = snip if "«" in snip else (snip or lead)
    return Hit(
        id=id_,
        kind=kind,
        title=title,
        score=score,
        snippet=" ".join(snippet.split()),
        doc_type=doc_type,
        date=date or "",
        url=url or "",
        procedure=procedure,
        celex=celex,
        topics=tuple(json.loads(topics)),
    )
