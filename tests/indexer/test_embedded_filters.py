"""Filters decided in memory give what the same filters in SQL give: the same matches, total,
facets and page, in every sort order, on a generated corpus (benchmarks/corpus.py)."""

from __future__ import annotations

import itertools
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from indexer.embedded import EmbeddedBackend
from indexer.embedded_columns import Columns
from indexer.fts_query import compile_fts
from indexer.query import parse
from policytrack.model import Procedure

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from benchmarks.corpus import generate_documents, generate_procedures

WHEN = datetime(2025, 1, 6, tzinfo=UTC)
WORDS = ["", "ecodesign", '"due diligence"', "repair*", "batteries -lithium", "shall"]
FILTERS = [
    "",
    "type:directive",
    "-type:directive",
    "type:COD",
    "type:procedure",
    'stage:"Procedure completed"',
    '-stage:"Procedure completed"',
    "topic:due-diligence",
    "-topic:circular-electronics",
    'author:"european commission"',
    'player:"Committee on Legal Affairs"',
    "year:2020",
    "date:2015..2018",
    "date:>=2024-01-01",
    "(type:directive OR topic:public-procurement)",
    "(type:regulation OR type:decision) -topic:due-diligence",
    "type:report year:2019..2023",
]


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    path = tmp_path_factory.mktemp("filters") / "index.sqlite3"
    backend = EmbeddedBackend(path)
    procs = [p.replace(stage="Procedure completed") if i % 3 == 0 else p for i, p in enumerate(generate_procedures(60))]
    items = [*procs, *generate_documents(3000, sections=True)]
    backend.index(((i, WHEN) for i in items), rebuild=True)
    assert any(isinstance(i, Procedure) and i.key_players for i in items)
    yield backend
    backend.close()


def _in_sql(backend: EmbeddedBackend, query: str, sort: str) -> tuple[list[str], list[int]]:
    """The matches in page order, every filter in SQL (the reference)."""
    comp = compile_fts(parse(query))
    where = " AND ".join(comp.where) or "1"
    if comp.match is not None:
        base = f"fts CROSS JOIN docs d ON d.rowid = fts.rowid WHERE fts MATCH ? AND {where}"
        args = [comp.match, *comp.params]
    else:
        base, args = f"docs d WHERE {where}", list(comp.params)
    if comp.match is not None and sort == "relevance":
        order = "bm25(fts, 10.0, 1.0, 4.0), fts.rowid"
    elif sort == "oldest":
        order = "d.date IS NULL, d.date, d.id"
    else:
        order = "d.date IS NULL, d.date DESC, d.id"
    rows = backend.conn.execute(f"SELECT d.id, d.rowid FROM {base} ORDER BY {order}", args).fetchall()
    return [r[0] for r in rows], [r[1] for r in rows]


@pytest.mark.parametrize("words, filters", list(itertools.product(WORDS, FILTERS)))
def test_filters_in_memory_agree_with_sql(index, words, filters):
    query = f"{words} {filters}".strip()
    columns = Columns(index.conn, ("reference",))
    for sort in ("relevance", "date", "oldest"):
        expected, rowids = _in_sql(index, query, sort)
        for page in (1, 3):
            got = index.search(query, page=page, per_page=7, facets=True, sort=sort)
            assert got.total == len(expected), (query, sort)
            assert [h.id for h in got.hits] == expected[(page - 1) * 7 : page * 7], (query, sort, page)
            assert got.facets == columns.facets(columns.count(rowids))[1], (query, sort)
    assert sorted(index.ids(query)) == sorted(expected)
