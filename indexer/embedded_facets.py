"""Facet counts of the embedded index, from integer codes kept in memory and shared by every
connection of the process to the same index file.

Every row of ``fac`` is coded by two small integers, one for its combination of the four
single-valued facets (type, year, procedure type, stage) and one for its combination of topics,
authors and key players. Counting the matches of a query is then two passes over their rowids
in C (``Counter`` over the codes): a few hundred ns a match instead of the ~2 µs of a temporary
table, a join and two GROUP BYs in SQL. The combinations are few (~3 000 and ~400 at 1 M
generated items) and are split and summed per facet afterwards.

The codes are loaded once per state of the index file (its name and its write counter, see
``embedded.py``): about 1.3 s at 1 M items, paid by the first faceted query after a write. The
search app's pooled connections share one copy (``shared``) instead of loading one each.
"""

from __future__ import annotations

import sqlite3
import threading
from array import array
from collections import Counter
from collections.abc import Callable

from .base import Facet
from .fields import FACETS

FACET_SIZE = 10
FILTER_CACHE = 64  # facets of queries without words, remembered until the next write
SEP = "\x1f"  # joins multi-valued facet values in one column (never in scraped text: model strips controls)
_SINGLES = ("type", "year", "procedure_type", "stage")


class FacetCodes:
    """Per rowid, the codes of its two combinations (``arrays``; -1: no such row); per code,
    the facet values behind it (``singles``: (facet index, value) pairs; ``multis``: (topics,
    authors, players)); the counts per code over the whole index (``all_counts``, the
    match-all facets); and the facets of recent word-free queries (``filtered``)."""

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
        self.all_counts = tuple(_without_missing(Counter(a)) for a in self.arrays)
        self.filtered: dict[tuple, tuple[int, tuple[Facet, ...]]] = {}
        self._lock = threading.Lock()

    def count(self, rowids: list[int]) -> tuple[Counter, ...]:
        return tuple(Counter(map(a.__getitem__, rowids)) for a in self.arrays)

    def facets(self, counted: tuple[Counter, ...]) -> tuple[int, tuple[Facet, ...]]:
        """The total and the seven facets from per-code counts."""
        counts: dict[str, Counter] = {name: Counter() for name, _ in FACETS}
        singles = [counts[name] for name in _SINGLES]
        total = 0
        for code, k in counted[0].items():
            total += k  # every item has a type: this is the number of matches
            for i, value in self.singles[code]:
                singles[i][value] += k
        topic, author, player = counts["topic"], counts["author"], counts["player"]
        for code, k in counted[1].items():
            topics, authors, players = self.multis[code]
            for value in topics:
                topic[value] += k
            for value in authors:
                author[value] += k
            for value in players:
                player[value] += k
        return total, tuple(
            Facet(name, tuple(sorted(counts[name].items(), key=lambda kv: (-kv[1], kv[0]))[:FACET_SIZE]))
            for name, _ in FACETS
        )

    def of_filter(self, key: tuple, rowids: Callable[[], list[int]]) -> tuple[int, tuple[Facet, ...]]:
        """Facets of a word-free query, remembered until the index changes."""
        with self._lock:
            found = self.filtered.get(key)
        if found is None:
            found = self.facets(self.count(rowids()))
            with self._lock:
                if len(self.filtered) >= FILTER_CACHE:
                    self.filtered.pop(next(iter(self.filtered)))
                self.filtered[key] = found
        return found


def _without_missing(c: Counter) -> Counter:
    c.pop(-1, None)
    return c


_shared: dict[str, FacetCodes] = {}
_loading = threading.Lock()


def shared(conn: sqlite3.Connection, index: str, key: tuple) -> FacetCodes:
    """The codes of ``index`` (its catalog's path) in state ``key`` (generation file, writes),
    loaded by the first connection that asks (the others wait for it rather than load their
    own) and kept until the state changes."""
    file = index
    codes = _shared.get(file)
    if codes is not None and codes.key == key:
        return codes
    with _loading:
        codes = _shared.get(file)
        if codes is None or codes.key != key:
            _shared.pop(file, None)  # let the old arrays go before the new ones are built
            codes = FacetCodes(conn, key)
            _shared[file] = codes
        return codes


def forget(index: str) -> None:
    """Drop the codes of an index whose file a rebuild replaced."""
    _shared.pop(index, None)
