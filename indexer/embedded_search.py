"""How the embedded index answers a search, inside one read transaction of one connection.

1. **Match.** Words go to FTS5 (``fts MATCH``); with relevance order every match comes with its
   BM25 score (column weights title 10, identifiers 4, body 1) in the same pass. Filters on
   type, procedure type, stage, topic, author, key player and dates are decided in memory per
   row code (``embedded_filters.py``); CELEX, procedure and "changed since" stay in SQL.
   A query without words starts from the rows of its filters' codes.
2. **Facets and total** are counted over every match from in-memory codes
   (``embedded_columns.py``; a query without words remembers them until the next write).
3. **The page**: the best scores (a heap over the matches: equal scores keep rowid order, as
   FTS5's own ORDER BY rank would), or the newest/oldest, read off precomputed date orders.
4. **Snippets** from FTS5's ``snippet()``, for the page's hits only; then the **sections** of the
   acts on the page (``sections.py``): per act, its parts that hold the query's words, articles
   and annexes first, then by BM25 within the act; the first ``SHOWN`` named with the point of
   their first match.

Where each step's time goes is added to ``timings`` (ms): match, score, filter, facets, page,
snippets, sections, and columns (loading them, after a write).
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from .base import Facet, Hit, SearchResult, SectionHit
from .embedded_columns import Columns, Rows, ints
from .embedded_filters import RowFilter
from .fts_query import Compiled, fts_expr
from .query import Node, words_part
from .sections import SHOWN, label_for, priority, snippet_around

WEIGHTS = "10.0, 1.0, 4.0"
BM25 = f"bm25(fts, {WEIGHTS})"  # the same score as FTS5's ORDER BY rank
_DOC_COLS = "id, kind, title, doc_type, date, url, procedure, celex, topics, lead, sec_lo, sec_hi"


class Search:
    def __init__(self, conn: sqlite3.Connection, columns: Callable[[], Columns], timings: dict[str, float]) -> None:
        self.conn = conn
        self._columns = columns
        self.timings = timings

    @contextmanager
    def _timed(self, phase: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.timings[phase] = self.timings.get(phase, 0.0) + (time.perf_counter() - start) * 1000

    def run(
        self, query: str, tree: Node, comp: Compiled, page: int, per_page: int, facets: bool, sort: str
    ) -> SearchResult:
        offset, want = (page - 1) * per_page, page * per_page
        with self._timed("columns"):
            cols = self._columns()
        flt = RowFilter(comp.memory, cols)
        if comp.match is None and not comp.where:
            total, facet_list, page_ids = self._filters_only(cols, flt, sort, offset, want)
            page_rows = [(r, 0.0) for r in page_ids]
        else:
            found = self._ids(comp)
            ids = found if flt.empty else self._filtered(flt, found)
            if comp.match is not None and sort == "relevance":
                page_rows = self._ranked(comp, ids, len(found), offset, per_page)
            else:
                with self._timed("page"):
                    page_rows = [(r, 0.0) for r in cols.by_date(ids, sort, offset, want)]
            total, facet_list = len(ids), ()
            if facets:
                with self._timed("facets"):
                    total, facet_list = cols.facets(cols.count(ids))
        return SearchResult(
            query, total, self._hits(page_rows, comp, tree), facet_list if facets else (), page, per_page
        )

    def _ids(self, comp: Compiled) -> Rows:
        """Every match of the words and SQL terms, in rowid order: one string of rowids from
        SQLite, parsed in C (not a million Python rows)."""
        base, args = _from(comp)
        rid = "fts.rowid" if comp.match is not None else "d.rowid"
        with self._timed("match"):
            (found,) = self.conn.execute(f"SELECT group_concat({rid}) FROM {base}", args).fetchone()
            return ints(found)

    def _filtered(self, flt: RowFilter, ids: Rows) -> Rows:
        with self._timed("filter"):
            return flt.apply(ids)

    def _ranked(self, comp: Compiled, kept: Rows, matched: int, offset: int, per_page: int) -> list[tuple[int, float]]:
        """The page by BM25: FTS5 scores the matches and SQLite keeps the best (equal scores in
        rowid order). When in-memory filters let only some matches through, the ones they keep
        are handed to SQLite (a JSON list it indexes), so only those are scored; when they keep
        most, the best are scored all and sifted here, a few more than the page needs."""
        base, args = _from(comp)
        want = offset + per_page
        sql = f"SELECT fts.rowid, {BM25} AS score FROM {base}{{}} ORDER BY score, fts.rowid LIMIT ?"
        if not len(kept):
            return []
        with self._timed("score"):
            if len(kept) == matched:
                return self.conn.execute(sql.format(""), [*args, want]).fetchall()[offset:]
            if len(kept) * 3 >= matched * 2:
                wanted = set(kept.tolist())
                limit = want * 3 + 20
                best = self.conn.execute(sql.format(""), [*args, limit]).fetchall()
                page = [row for row in best if row[0] in wanted]
                if len(page) >= want or len(best) < limit:
                    return page[offset:want]
            within = " AND +fts.rowid IN (SELECT value FROM json_each(?))"
            return self.conn.execute(sql.format(within), [*args, json.dumps(kept.tolist()), want]).fetchall()[offset:]

    def _filters_only(
        self, cols: Columns, flt: RowFilter, sort: str, offset: int, want: int
    ) -> tuple[int, tuple[Facet, ...], list[int]]:
        """A query of in-memory filters only (or nothing): its total and facets are remembered
        until the next write; the page is read off the date order."""
        with self._timed("filter"):
            found = flt.candidates()
            total, facet_list = cols.remembered(flt.nodes, lambda: cols.facets(cols.count(found)))
        with self._timed("page"):
            if flt.empty:
                order = cols.oldest if sort == "oldest" else cols.newest
                return total, facet_list, order[offset:want].tolist()
            return total, facet_list, cols.by_date(found, sort, offset, want)

    def matching(self, comp: Compiled) -> Rows:
        """Every matching rowid, in no set order (no scores, no page)."""
        flt = RowFilter(comp.memory, self._columns())
        if comp.match is None and not comp.where:
            return flt.candidates()
        return flt.apply(self._ids(comp))

    # -- the page
    def _hits(self, page_rows: list[tuple[int, float]], comp: Compiled, tree: Node) -> tuple[Hit, ...]:
        if not page_rows:
            return ()
        rowids = [r[0] for r in page_rows]
        with self._timed("snippets"):
            docs = {
                row[0]: row[1:]
                for row in self.conn.execute(
                    f"SELECT rowid, {_DOC_COLS} FROM docs WHERE rowid IN ({','.join('?' * len(rowids))})", rowids
                )
            }
            snippets: dict[int, str] = {}
            if comp.match is not None:
                snippets = dict(
                    _each(self.conn, "fts", "snippet(fts, 1, '«', '»', '…', 20)", comp.match, [(r, r) for r in rowids])
                )
        found: dict[int, tuple[tuple[SectionHit, ...], int]] = {}
        words = words_part(tree) if comp.match is not None else None
        section_match = fts_expr(words) if words is not None else None
        ranges = [(row[-2], row[-1]) for row in docs.values() if row[-2] is not None]
        if section_match is not None and ranges:
            with self._timed("sections"):
                found = self._sections(section_match, ranges)
        hits = []
        for rowid, rank in page_rows:
            row = docs[rowid]
            parts = found.get(row[-2], ((), 0)) if row[-2] is not None else ((), 0)
            hits.append(_hit(row, -float(rank) or 0.0, snippets.get(rowid, ""), *parts))
        return tuple(hits)

    def _sections(self, match: str, ranges: list[tuple[int, int]]) -> dict[int, tuple[tuple[SectionHit, ...], int]]:
        """Per act (by its first section's rowid): the parts that match, in the order of
        ``sections.py`` (operative parts first, a heading that holds the words, the act's order)
        and how many; the first ``SHOWN`` with their label and snippet from the marked text."""
        c = self.conn
        # Each act's parts have consecutive rowids: one statement per act finds them.
        heads = _each(c, "sec", "highlight(sec, 0, '«', '»')", match, ranges)
        meta = {
            r[0]: r[1:]
            for r in c.execute(
                f"SELECT rowid, kind, label, anchor FROM secs WHERE rowid IN ({','.join('?' * len(heads))})",
                [r for r, _ in heads],
            )
        }
        by_act: dict[int, list[tuple]] = {}
        for rowid, head in heads:
            act = next(lo for lo, hi in ranges if lo <= rowid <= hi)
            by_act.setdefault(act, []).append((priority(meta[rowid][0]), "«" not in head, rowid))
        chosen = {act: sorted(rows)[:SHOWN] for act, rows in by_act.items()}
        bodies = dict(
            _each(
                c, "sec", "highlight(sec, 1, '«', '»')", match, [(r, r) for rows in chosen.values() for *_, r in rows]
            )
        )
        out = {}
        for act, rows in chosen.items():
            shown = []
            for *_, rowid in rows:
                kind, label, anchor = meta[rowid]
                marked = bodies.get(rowid, "")
                body = marked.replace("«", "").replace("»", "")
                shown.append(SectionHit(label_for(kind, label, marked, body), anchor, kind, snippet_around(marked)))
            out[act] = (tuple(shown), len(by_act[act]))
        return out


def _each(
    conn: sqlite3.Connection, table: str, column: str, match: str, ranges: list[tuple[int, int]]
) -> list[tuple[int, str]]:
    """``column`` (an FTS5 function of the match) for the rows of ``table`` matching ``match``
    in the rowid ``ranges``.

    One statement per range: FTS5 seeks straight to it. Except for a prefix query (``word*``):
    FTS5 expands a prefix again for every statement, merging the lists of every word that starts
    with it, so then one statement covers all the ranges (FTS5 reads the matches between the
    first and the last, the ranges are checked as it goes)."""
    if not ranges:
        return []
    if "*" not in match:
        out: list[tuple[int, str]] = []
        for lo, hi in ranges:
            out += conn.execute(
                f"SELECT rowid, {column} FROM {table} WHERE {table} MATCH ? AND rowid BETWEEN ? AND ?", (match, lo, hi)
            ).fetchall()
        return out
    within = " OR ".join("+rowid BETWEEN ? AND ?" for _ in ranges)
    lo, hi = min(lo for lo, _ in ranges), max(hi for _, hi in ranges)
    flat = [v for pair in ranges for v in pair]
    return conn.execute(
        f"SELECT rowid, {column} FROM {table} WHERE {table} MATCH ? AND rowid BETWEEN ? AND ? AND ({within})",
        (match, lo, hi, *flat),
    ).fetchall()


def _from(comp: Compiled) -> tuple[str, list]:
    """FROM…WHERE for the query's words and SQL terms, and the parameters.

    With a MATCH, CROSS JOIN makes FTS5 drive: probing FTS5 once per row of a filter's index
    (SQLite's own choice when filters have indexes) is orders of magnitude slower; docs_filter
    holds every column a filter reads, keyed by rowid, so checking one touches a few narrow pages.
    """
    where = " AND ".join(comp.where)
    if comp.match is None:
        return f"docs d WHERE {where or '1'}", list(comp.params)
    if where:
        return (
            f"fts CROSS JOIN docs d INDEXED BY docs_filter ON d.rowid = fts.rowid WHERE fts MATCH ? AND {where}",
            [comp.match, *comp.params],
        )
    return "fts WHERE fts MATCH ?", [comp.match]


def _hit(r: tuple, score: float, snip: str, sections: tuple[SectionHit, ...] = (), total: int = 0) -> Hit:
    id_, kind, title, doc_type, date, url, procedure, celex, topics, lead, _, _ = r
    snippet = snip if "«" in snip else (snip or lead)
    first = sections[0] if sections else None
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
        section=first.label if first else "",
        anchor=first.anchor if first else "",
        sections=sections,
        sections_total=total,
    )
