"""The embedded backend: SQLite FTS5 in one file beside the store, no services needed.

Ranking is BM25 with column weights (title above identifiers above body); snippets come from
FTS5's ``snippet()``; facets are GROUP BY counts over the matching rows. A rebuild drops and
refills the tables inside one transaction, so readers keep seeing the old index until the new
one is committed (WAL mode).
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Iterable

from .base import Backend, Facet, Hit, Item, SearchResult, check_paging
from .errors import IndexerError
from .fields import FACETS, Record, to_record, utc_text
from .fts_query import Compiled, compile_fts
from .query import parse

FACET_SIZE = 10
BATCH = 500
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
CREATE TABLE IF NOT EXISTS terms (doc INTEGER NOT NULL, field TEXT NOT NULL, value TEXT NOT NULL, norm TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS terms_lookup ON terms(field, norm, doc);
CREATE INDEX IF NOT EXISTS terms_doc ON terms(doc);
CREATE TABLE IF NOT EXISTS fac (
    rowid INTEGER PRIMARY KEY, doc_type TEXT, year INTEGER, proc_type TEXT, stage TEXT, topics TEXT, authors TEXT
);
CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5(
    title, body, meta, tokenize = 'porter unicode61 remove_diacritics 2'
);
"""
# FTS5 keeps this setting in the index: ORDER BY rank is BM25 with title > meta > body.
RANK = "INSERT INTO fts (fts, rank) VALUES ('rank', 'bm25(10.0, 1.0, 4.0)')"
_DOC_COLS = "d.id, d.kind, d.title, d.doc_type, d.date, d.url, d.procedure, d.celex, d.topics, d.lead"


def _term_rows(rowid: int, rec: Record) -> list[tuple]:
    rows = [(rowid, "topic", t, t.casefold()) for t in rec.topics]
    rows += [(rowid, "author", a, a.casefold()) for a in rec.authors]
    rows += [(rowid, "procedure", p, p) for p in rec.procedures]
    rows += [(rowid, "celex", c, c) for c in rec.celexes]
    return rows


class EmbeddedBackend(Backend):
    name = "embedded"

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
        except (sqlite3.Error, OSError) as e:
            raise IndexerError(f"{self.path}: cannot open the search index: {e}") from None

    # -- writing
    def index(self, items: Iterable[tuple[Item, datetime]], *, rebuild: bool = False) -> int:
        count = 0
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
            docs.append((rowid, rec.id, rec.kind, rec.title, rec.doc_type, rec.date, rec.year, rec.proc_type,
                         rec.stage, rec.url, rec.procedure, rec.celex, json.dumps(rec.topics), rec.lead, rec.changed))
            fts.append((rowid, rec.title, rec.body, rec.meta))
            terms.extend(_term_rows(rowid, rec))
            fac.append((rowid, rec.doc_type, rec.year, rec.proc_type, rec.stage, SEP.join(rec.topics), SEP.join(rec.authors)))
        c = self.conn
        c.executemany("INSERT INTO docs VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", docs)
        c.executemany("INSERT INTO fts (rowid, title, body, meta) VALUES (?,?,?,?)", fts)
        c.executemany("INSERT INTO terms VALUES (?,?,?,?)", terms)
        c.executemany("INSERT INTO fac VALUES (?,?,?,?,?,?,?)", fac)
        return next_id

    def _delete_ids(self, ids: list[str]) -> None:
        rowids: list[int] = []
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            rowids += [r[0] for r in self.conn.execute(
                f"SELECT rowid FROM docs WHERE id IN ({','.join('?' * len(chunk))})", chunk)]
        if rowids:
            args = [(r,) for r in rowids]
            self.conn.executemany("DELETE FROM fts WHERE rowid = ?", args)
            self.conn.executemany("DELETE FROM terms WHERE doc = ?", args)
            self.conn.executemany("DELETE FROM fac WHERE rowid = ?", args)
            self.conn.executemany("DELETE FROM docs WHERE rowid = ?", args)

    def delete(self, ids: Iterable[str]) -> None:
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

    def search(self, query: str, *, page: int = 1, per_page: int = 20, facets: bool = False,
               changed_since: datetime | None = None, sort: str = "relevance") -> SearchResult:
        check_paging(page, per_page, sort)
        comp = compile_fts(parse(query))
        if changed_since is not None:
            comp.where.append("d.changed >= ?")
            comp.params.append(utc_text(changed_since))
        try:
            return self._run(query, comp, page, per_page, facets, sort)
        except sqlite3.OperationalError as e:
            # Compiled queries are valid FTS5; anything else here is the file, not the query.
            raise IndexerError(f"{self.path}: search failed: {e}") from None

    def _from(self, comp: Compiled, *, need_docs: bool) -> tuple[str, str, list]:
        """FROM…WHERE for the query, the rowid expression, and the parameters.

        With a MATCH, CROSS JOIN makes FTS5 drive: probing FTS5 once per row of a filter's
        index (SQLite's own choice when filters have indexes) is orders of magnitude slower.
        """
        where = " AND ".join(comp.where)
        if comp.match is None:
            return f"docs d WHERE {where or '1'}", "d.rowid", list(comp.params)
        if where or need_docs:
            return (f"fts CROSS JOIN docs d ON d.rowid = fts.rowid WHERE fts MATCH ? AND {where or '1'}", "fts.rowid",
                    [comp.match, *comp.params])
        return "fts WHERE fts MATCH ?", "fts.rowid", [comp.match]

    def _run(self, query: str, comp: Compiled, page: int, per_page: int, facets: bool, sort: str) -> SearchResult:
        c = self.conn
        offset = (page - 1) * per_page
        ranked = comp.match is not None and sort == "relevance"
        if ranked:
            # FTS5 sorts by its configured rank (BM25 with column weights) itself: only the
            # page's rows are then looked up and given snippets.
            base, rid, args = self._from(comp, need_docs=False)
            page_rows = c.execute(f"SELECT {rid}, fts.rank FROM {base} ORDER BY fts.rank LIMIT ? OFFSET ?",
                                  [*args, per_page, offset]).fetchall()
        else:
            base, rid, args = self._from(comp, need_docs=True)
            # SQLite sorts NULL first: newest-first needs no help (and can walk docs_date).
            order = "d.date DESC, d.id" if sort != "oldest" else "d.date IS NULL, d.date, d.id"
            page_rows = c.execute(f"SELECT {rid}, 0.0 FROM {base} ORDER BY {order} LIMIT ? OFFSET ?",
                                  [*args, per_page, offset]).fetchall()
        base, rid, args = self._from(comp, need_docs=False)
        facet_list: tuple[Facet, ...] = ()
        if facets:
            total, facet_list = self._facets(base, rid, args)
        else:
            total = c.execute(f"SELECT count(*) FROM {base}", args).fetchone()[0]
        return SearchResult(query, total, self._hits(page_rows, comp.match), facet_list, page, per_page)

    def _hits(self, page_rows: list[tuple], match: str | None) -> tuple[Hit, ...]:
        if not page_rows:
            return ()
        rowids = [r[0] for r in page_rows]
        docs = {row[0]: row[1:] for row in self.conn.execute(
            f"SELECT rowid, {_DOC_COLS.replace('d.', '')} FROM docs WHERE rowid IN ({','.join('?' * len(rowids))})", rowids)}
        hits = []
        for rowid, rank in page_rows:
            snip = ""
            if match is not None:
                row = self.conn.execute("SELECT snippet(fts, 1, '«', '»', '…', 20) FROM fts WHERE fts MATCH ? AND rowid = ?",
                                        (match, rowid)).fetchone()
                snip = row[0] if row else ""
            hits.append(_hit(docs[rowid], -float(rank) or 0.0, snip))
        return tuple(hits)

    def _facets(self, base: str, rid: str, args: list) -> tuple[int, tuple[Facet, ...]]:
        """The total and the six facets: the matches once into a temporary table, then two
        passes over them.

        ``fac`` is a narrow copy of the facet values, so a pass touches few pages; CROSS JOIN
        keeps the matches as the outer loop. One pass groups by the combination of the four
        single-valued facets, the other by the combination of topics and authors (each joined
        by SEP); combinations are few, and are split and summed here. Every item has a type,
        so the first pass also gives the total.
        """
        counts: dict[str, Counter] = {name: Counter() for name, _ in FACETS}
        total = 0
        c = self.conn
        c.execute("DROP TABLE IF EXISTS temp.m")
        c.execute("CREATE TEMP TABLE m (r INTEGER PRIMARY KEY)")  # the matches, evaluated once
        c.execute(f"INSERT OR IGNORE INTO temp.m SELECT {rid} FROM {base}", args)
        matches = "temp.m CROSS JOIN fac f ON f.rowid = m.r"
        args = []
        for doc_type, year, proc_type, stage, n in self.conn.execute(
                f"SELECT f.doc_type, f.year, f.proc_type, f.stage, count(*) FROM {matches} GROUP BY 1, 2, 3, 4", args):
            total += n
            for name, value in (("type", doc_type), ("year", year), ("procedure_type", proc_type), ("stage", stage)):
                if value is not None:
                    counts[name][str(value)] += n
        for topics, authors, n in self.conn.execute(
                f"SELECT f.topics, f.authors, count(*) FROM {matches} GROUP BY 1, 2", args):
            for name, joined in (("topic", topics), ("author", authors)):
                if joined:
                    for value in joined.split(SEP):
                        counts[name][value] += n
        c.execute("DROP TABLE temp.m")
        facets = tuple(Facet(name, tuple(sorted(counts[name].items(), key=lambda kv: (-kv[1], kv[0]))[:FACET_SIZE]))
                       for name, _ in FACETS)
        return total, facets

    def close(self) -> None:
        self.conn.close()


def _hit(r: tuple, score: float, snip: str) -> Hit:
    id_, kind, title, doc_type, date, url, procedure, celex, topics, lead = r
    snippet = snip if "«" in snip else (snip or lead)
    return Hit(id=id_, kind=kind, title=title, score=score, snippet=" ".join(snippet.split()),
               doc_type=doc_type, date=date or "", url=url or "", procedure=procedure, celex=celex,
               topics=tuple(json.loads(topics)))
