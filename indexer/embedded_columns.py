"""What the embedded search keeps in memory per row of the index, shared by every connection of
the process to the same index: facet codes, dates and date order.

Per rowid, two small integer codes: one for its combination of the four single-valued facets
(type, year, procedure type, stage), one for its combination of topics, authors and key
players. The combinations are few (~3 000 and ~400 at 1 M generated items), so

* facets are counted by two passes over the matching rowids in C (``Counter`` over the
  codes, a few hundred ns a match) and split into values per combination afterwards;
* a filter on type, procedure type, stage, topic, author or key player is decided once per
  combination (``embedded_filters.py``) and applied to rows by their code, in memory, instead
  of an index probe per matching row (2-10 µs at 1 M items);
* the rows of each combination are listed, so a query of filters only starts from its rows.

Dates (``YYYYMMDD`` integers, 0 for none) decide date filters, and every row's place in the
newest-first and oldest-first orders (date, then id, undated last, as the SQL orders) gives
pages sorted by date without reading rows.

Everything is loaded once per state of the index (its generation file and its write counter,
``embedded.py``): about 2-3 s at 1 M items, paid by the first query after a write (the search
app loads it at start-up). Queries without words also remember their facets until then.
"""

from __future__ import annotations

import itertools
import sqlite3
import threading
from array import array
from collections import Counter
from collections.abc import Callable

from .base import Facet
from .fields import FACETS, player_terms

FACET_SIZE = 10
FILTER_CACHE = 64  # facets of queries without words, remembered until the next write
SEP = "\x1f"  # joins multi-valued facet values in one column (never in scraped text: model strips controls)
_SINGLES = ("type", "year", "procedure_type", "stage")


class Columns:
    """In-memory columns of one state of the index (see the module docstring)."""

    def __init__(self, conn: sqlite3.Connection, key: tuple) -> None:
        self.key = key
        self.top = top = conn.execute("SELECT max(rowid) FROM docs").fetchone()[0] or 0
        self.code1, self.code2, self.dates = _fac(conn, top)
        self.combos1 = [
            tuple(r) for r in conn.execute("SELECT doc_type, year, proc_type, stage FROM combo1 ORDER BY code")
        ]
        self.multis = [
            tuple(tuple(v.split(SEP)) if v else () for v in r)
            for r in conn.execute("SELECT topics, authors, players FROM combo2 ORDER BY code")
        ]
        self.singles = [tuple((i, str(v)) for i, v in enumerate(combo) if v is not None) for combo in self.combos1]
        # What topic:, author: and player: compare with, per combination (folded, as the terms table).
        self.folded2 = [
            (
                frozenset(t.casefold() for t in topics),
                frozenset(a.casefold() for a in authors),
                frozenset(player_terms(players)),
            )
            for topics, authors, players in self.multis
        ]
        self.all_counts = tuple(_without_missing(Counter(a)) for a in (self.code1, self.code2))
        self.count_all = sum(self.all_counts[0].values())
        self.oldest, self.newest, self.dated = _orders(conn, self.dates)
        self.oldest_rank, self.newest_rank = _rank(self.oldest, top), _rank(self.newest, top)
        self._rows: tuple[list[array], list[array]] | None = None
        self.filtered: dict[tuple, tuple[int, tuple[Facet, ...]]] = {}
        self._lock = threading.Lock()

    @property
    def rows1(self) -> list[array]:
        """The rows of each (type, year, procedure type, stage) code (built at first use)."""
        return self._by_code()[0]

    @property
    def rows2(self) -> list[array]:
        """The rows of each (topics, authors, players) code."""
        return self._by_code()[1]

    def _by_code(self) -> tuple[list[array], list[array]]:
        if self._rows is None:
            rows1: list[array] = [array("i") for _ in self.combos1]
            rows2: list[array] = [array("i") for _ in self.multis]
            for rowid in self.oldest:
                rows1[self.code1[rowid]].append(rowid)
                rows2[self.code2[rowid]].append(rowid)
            self._rows = (rows1, rows2)
        return self._rows

    def exists(self, rowid: int) -> bool:
        return self.code1[rowid] >= 0

    def count(self, rowids: list[int] | array) -> tuple[Counter, ...]:
        return tuple(Counter(map(a.__getitem__, rowids)) for a in (self.code1, self.code2))

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

    def remembered(self, key: tuple, compute: Callable[[], tuple[int, tuple[Facet, ...]]]):
        """Facets of a query without words, remembered until the index changes."""
        with self._lock:
            found = self.filtered.get(key)
        if found is None:
            found = compute()
            with self._lock:
                if len(self.filtered) >= FILTER_CACHE:
                    self.filtered.pop(next(iter(self.filtered)))
                self.filtered[key] = found
        return found


def _ints(text: str | None) -> array:
    return array("i", map(int, text.split(","))) if text else array("i")


def _fac(conn: sqlite3.Connection, top: int) -> tuple[array, array, array]:
    """Per rowid (-1/0: no such row): the two codes and the date, read in one pass (lists of
    numbers from SQLite, parsed in C, rather than a million rows made into Python tuples)."""
    rowids, one, two, days = (
        _ints(v)
        for v in conn.execute(
            "SELECT group_concat(rowid), group_concat(code1), group_concat(code2), group_concat(day) FROM fac"
        ).fetchone()
    )
    if len(rowids) == top:  # no gaps (a rebuilt index): the lists are the columns
        return array("i", [-1]) + one, array("i", [-1]) + two, array("i", [0]) + days
    code1, code2, dates = array("i", [-1]) * (top + 1), array("i", [-1]) * (top + 1), array("i", [0]) * (top + 1)
    for rowid, c1, c2, day in zip(rowids, one, two, days):
        code1[rowid], code2[rowid], dates[rowid] = c1, c2, day
    return code1, code2, dates


def _orders(conn: sqlite3.Connection, dates: array) -> tuple[array, array, int]:
    """Every rowid oldest first and newest first (by date then id, undated last), and how many
    rows have a date. One walk of the docs_order index; the newest-first order is the oldest's
    days in reverse, each day's rows still by id."""
    (dated,) = conn.execute("SELECT group_concat(rowid) FROM docs WHERE date IS NOT NULL ORDER BY date, id").fetchone()
    (undated,) = conn.execute("SELECT group_concat(rowid) FROM docs WHERE date IS NULL ORDER BY id").fetchone()
    oldest, rest = _ints(dated), _ints(undated)
    runs = [array("i", run) for _, run in itertools.groupby(oldest, key=dates.__getitem__)]
    newest = array("i", itertools.chain.from_iterable(reversed(runs)))
    n = len(oldest)
    return oldest + rest, newest + rest, n


def _rank(order: array, top: int) -> array:
    """Each rowid's place in ``order``."""
    rank = array("i", [0]) * (top + 1)
    for place, rowid in enumerate(order):
        rank[rowid] = place
    return rank


def _without_missing(c: Counter) -> Counter:
    c.pop(-1, None)
    return c


_shared: dict[str, Columns] = {}
_loading = threading.Lock()


def shared(conn: sqlite3.Connection, index: str, key: tuple) -> Columns:
    """The columns of ``index`` (its catalog's path) in state ``key`` (generation file, writes),
    loaded by the first connection that asks (the others wait for it rather than load their
    own) and kept until the state changes."""
    columns = _shared.get(index)
    if columns is not None and columns.key == key:
        return columns
    with _loading:
        columns = _shared.get(index)
        if columns is None or columns.key != key:
            _shared.pop(index, None)  # let the old arrays go before the new ones are built
            columns = Columns(conn, key)
            _shared[index] = columns
        return columns


def forget(index: str) -> None:
    """Drop the columns of an index whose file a rebuild replaced."""
    _shared.pop(index, None)
