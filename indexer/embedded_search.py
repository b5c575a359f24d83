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

import heapq
import json
import sqlite3
import time
from array import array
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from operator import itemgetter

from .base import Facet, Hit, SearchResult, SectionHit
from .embedded_columns import Columns
from .embedded_filters import RowFilter
from .fts_query import Compiled, fts_expr
from .query import Node, words_part
from .sections import SHOWN, label_for, priority, snippet_around

WEIGHTS = "10.0, 1.0, 4.0"
BM25 = f"bm25(fts, {WEIGHTS})"  # the same score as FTS5's ORDER BY rank
_DOC_COLS = "id, kind, title, doc_type, date, url, procedure, celex, topics, lead, sec_lo, sec_hi"
DENSE = 32  # a set of matches with more than 1/DENSE of the rows: walk the date order for its page


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
        c = self.conn
        base, args = _from(comp)
        page_rows: list[tuple[int, float]]
        ids: list[int] | array
        if comp.match is not None and sort == "relevance":
            with self._timed("score"):
                scored = c.execute(f"SELECT fts.rowid, {BM25} FROM {base}", args).fetchall()
            with self._timed("filter"):
                if not flt.empty:
                    keep = set(flt.apply([r for r, _ in scored]))
                    scored = [row for row in scored if row[0] in keep]
                ids = [r for r, _ in scored]
            with self._timed("page"):
                page_rows = heapq.nsmallest(want, scored, key=itemgetter(1))[offset:]
        else:
            if comp.match is not None or comp.where:
                rid = "fts.rowid" if comp.match is not None else "d.rowid"
                with self._timed("match"):
                    ids = [r for (r,) in c.execute(f"SELECT {rid} FROM {base}", args)]
                with self._timed("filter"):
                    ids = flt.apply(ids)
            else:
                with self._timed("filter"):
                    ids = flt.candidates()
            with self._timed("page"):
                page_rows = [(r, 0.0) for r in _by_date(cols, ids, sort, offset, want)]
        facet_list: tuple[Facet, ...] = ()
        total = len(ids)
        if facets:
            with self._timed("facets"):
                if comp.match is None:
                    key = (tuple(comp.memory), tuple(comp.where), tuple(comp.params))
                    total, facet_list = cols.remembered(key, lambda: cols.facets(cols.count(ids)))
                else:
                    total, facet_list = cols.facets(cols.count(ids))
        return SearchResult(query, total, self._hits(page_rows, comp, tree), facet_list, page, per_page)

    def matching(self, comp: Compiled) -> list[int]:
        """Every matching rowid, in no set order (no scores, no page)."""
        flt = RowFilter(comp.memory, self._columns())
        if comp.match is None and not comp.where:
            return list(flt.candidates())
        base, args = _from(comp)
        rid = "fts.rowid" if comp.match is not None else "d.rowid"
        return flt.apply([r for (r,) in self.conn.execute(f"SELECT {rid} FROM {base}", args)])

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


def _by_date(cols: Columns, ids: list[int] | array, sort: str, offset: int, want: int) -> list[int]:
    """Rows ``offset``..``want`` of ``ids`` newest first (``oldest``: oldest first), undated last,
    ties by id: read off the precomputed order (walked when the set is dense, else a heap)."""
    order, rank = (cols.oldest, cols.oldest_rank) if sort == "oldest" else (cols.newest, cols.newest_rank)
    if ids is cols.newest:  # everything
        return list(order[offset:want])
    if len(ids) * DENSE >= len(order):
        wanted, out = set(ids), []
        for r in order:
            if r in wanted:
                out.append(r)
                if len(out) >= want:
                    break
        return out[offset:]
    return heapq.nsmallest(want, ids, key=rank.__getitem__)[offset:]


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
