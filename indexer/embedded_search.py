"""How the embedded index answers a search, inside one read transaction of one connection.

Ranking is BM25 with column weights (title above identifiers above body). A ranked query with
facets fetches every match with its score in one pass (FTS5's ``ORDER BY rank`` would score
every match too, and the total and the facets would evaluate the query twice more); facets are
counted from in-memory codes (``embedded_facets.py``); snippets come from FTS5's ``snippet()``
for the page's hits only. Then the sections of the documents on the page are searched with the
query's words (``sections.py``): for each document, its matching sections ordered articles and
annexes first, then by BM25 within the document; the first ``SHOWN`` are named with the point of
their first match. Where each step's time goes is written to ``timings`` (ms).
"""

from __future__ import annotations

import heapq
import json
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from operator import itemgetter

from .base import Facet, Hit, SearchResult, SectionHit
from .embedded_facets import FacetCodes
from .fts_query import Compiled, fts_expr
from .query import Node, words_part
from .sections import HEADING_WEIGHT, SHOWN, label_for, priority, snippet_around

WEIGHTS = "10.0, 1.0, 4.0"
BM25 = f"bm25(fts, {WEIGHTS})"  # the same score as ORDER BY rank, for every match at once
SECTION_BM25 = f"bm25(sec, {HEADING_WEIGHT}, 1.0)"
_DOC_COLS = "id, kind, title, doc_type, date, url, procedure, celex, topics, lead, sec_lo, sec_hi"


class Search:
    def __init__(self, conn: sqlite3.Connection, codes: Callable[[], FacetCodes], timings: dict[str, float]) -> None:
        self.conn = conn
        self.codes = codes
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
        c = self.conn
        offset = (page - 1) * per_page
        ranked = comp.match is not None and sort == "relevance"
        facet_list: tuple[Facet, ...] = ()
        if ranked and facets:
            base, rid, args = _from(comp, need_docs=False)
            with self._timed("score"):
                rows = c.execute(f"SELECT {rid}, {BM25} FROM {base}", args).fetchall()
                # Matches come in rowid order and the sort is stable: equal scores keep it.
                page_rows = heapq.nsmallest(offset + per_page, rows, key=itemgetter(1))[offset:]
            with self._timed("facets"):
                codes = self.codes()
                total, facet_list = codes.facets(codes.count([r for r, _ in rows]))
            return SearchResult(query, total, self._hits(page_rows, comp, tree), facet_list, page, per_page)
        if ranked:
            # FTS5 sorts by its configured rank (BM25 with column weights) itself.
            base, rid, args = _from(comp, need_docs=False)
            with self._timed("score"):
                page_rows = c.execute(
                    f"SELECT {rid}, fts.rank FROM {base} ORDER BY fts.rank LIMIT ? OFFSET ?", [*args, per_page, offset]
                ).fetchall()
        else:
            base, rid, args = _from(comp, need_docs=True)
            # SQLite sorts NULL first: newest-first needs no help (and can walk docs_date).
            order = "d.date DESC, d.id" if sort != "oldest" else "d.date IS NULL, d.date, d.id"
            with self._timed("match"):
                page_rows = c.execute(
                    f"SELECT {rid}, 0.0 FROM {base} ORDER BY {order} LIMIT ? OFFSET ?", [*args, per_page, offset]
                ).fetchall()
        base, rid, args = _from(comp, need_docs=False)
        if facets:
            with self._timed("facets"):
                total, facet_list = self._word_free_facets(base, rid, args)
        else:
            with self._timed("match"):
                total = c.execute(f"SELECT count(*) FROM {base}", args).fetchone()[0]
        return SearchResult(query, total, self._hits(page_rows, comp, tree), facet_list, page, per_page)

    def _word_free_facets(self, base: str, rid: str, args: list) -> tuple[int, tuple[Facet, ...]]:
        """Facets of a query without words (filters only, or everything): the match-all counts
        are kept with the codes, and a filter's are remembered until the next write."""
        codes = self.codes()
        if base == "docs d WHERE 1":
            return codes.facets(codes.all_counts)
        return codes.of_filter(
            (base, tuple(args)), lambda: [r for (r,) in self.conn.execute(f"SELECT {rid} FROM {base}", args)]
        )

    # -- the page
    def _hits(self, page_rows: list[tuple], comp: Compiled, tree: Node) -> tuple[Hit, ...]:
        if not page_rows:
            return ()
        rowids = [r[0] for r in page_rows]
        marks = ",".join("?" * len(rowids))
        with self._timed("snippets"):
            docs = {
                row[0]: row[1:]
                for row in self.conn.execute(f"SELECT rowid, {_DOC_COLS} FROM docs WHERE rowid IN ({marks})", rowids)
            }
            snippets: dict[int, str] = {}
            if comp.match is not None:
                for rowid in rowids:
                    row = self.conn.execute(
                        "SELECT snippet(fts, 1, '«', '»', '…', 20) FROM fts WHERE fts MATCH ? AND rowid = ?",
                        (comp.match, rowid),
                    ).fetchone()
                    snippets[rowid] = row[0] if row else ""
        words = words_part(tree) if comp.match is not None else None
        section_match = fts_expr(words) if words is not None else None
        hits = []
        for rowid, rank in page_rows:
            row = docs[rowid]
            found: tuple[tuple[SectionHit, ...], int] = ((), 0)
            if section_match is not None and row[-2] is not None:
                with self._timed("sections"):
                    found = self._sections(section_match, row[-2], row[-1])
            hits.append(_hit(row, -float(rank) or 0.0, snippets.get(rowid, ""), *found))
        return tuple(hits)

    def _sections(self, match: str, lo: int, hi: int) -> tuple[tuple[SectionHit, ...], int]:
        """The document's sections (rowids ``lo``..``hi``) that match, best first, and how many."""
        rows = self.conn.execute(
            f"SELECT sec.rowid, {SECTION_BM25}, m.kind, m.label, m.anchor FROM sec CROSS JOIN secs m "
            "ON m.rowid = sec.rowid WHERE sec MATCH ? AND sec.rowid BETWEEN ? AND ?",
            (match, lo, hi),
        ).fetchall()
        rows.sort(key=lambda r: (priority(r[2]), r[1], r[0]))
        shown = []
        for rowid, _, kind, label, anchor in rows[:SHOWN]:
            (marked,) = self.conn.execute(
                "SELECT highlight(sec, 1, '«', '»') FROM sec WHERE sec MATCH ? AND rowid = ?", (match, rowid)
            ).fetchone()
            body = marked.replace("«", "").replace("»", "")
            shown.append(SectionHit(label_for(kind, label, marked, body), anchor, kind, snippet_around(marked)))
        return tuple(shown), len(rows)


def _from(comp: Compiled, *, need_docs: bool) -> tuple[str, str, list]:
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
