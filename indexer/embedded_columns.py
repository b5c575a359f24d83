"""What the embedded search keeps in memory per row of the index (numpy arrays), shared by every
connection of the process to the same index: facet codes, dates and date orders.

Per rowid, two small integer codes: one for its combination of the four single-valued facets
(type, year, procedure type, stage), one for its combination of topics, authors and key
players (the writer stores them in ``fac``, the combinations in ``combo1``/``combo2``). The
combinations are few (~3 000 and ~400 at 1 M generated items), so

* facets are two ``bincount``s of the matches' codes, split into values per combination;
* a filter on type, procedure type, stage, topic, author or key player is decided once per
  combination (``embedded_filters.py``) and applied to rows through their codes, in memory,
  instead of an index probe per matching row (2-10 µs each at 1 M items);
* dates (``YYYYMMDD`` integers, 0 for none) decide date filters, and every row's place in the
  newest-first and oldest-first orders (date, then id, undated last, as the SQL orders) gives
  pages sorted by date without reading rows.

Everything is loaded once per state of the index (its generation file and its write counter,
``embedded.py``), in a few passes that SQLite and numpy make in C: about 1-2 s at 1 M items,
paid by the first query after a write (the search app loads it at start-up). Queries of filters
only also remember their total and facets until then.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np

from .base import Facet
from .fields import FACETS, player_terms

T = TypeVar("T")
FACET_SIZE = 10
FILTER_CACHE = 64  # what queries of filters only found, remembered until the next write
SEP = "\x1f"  # joins multi-valued facet values in one column (never in scraped text: model strips controls)
_SINGLES = ("type", "year", "procedure_type", "stage")
Rows = np.ndarray  # of rowids, int32


def ints(text: str | None) -> Rows:
    """A comma-separated list of integers from SQLite's group_concat, parsed in C."""
    return np.fromstring(text, dtype=np.int32, sep=",") if text else np.zeros(0, np.int32)


class Columns:
    """In-memory columns of one state of the index (see the module docstring)."""

    def __init__(self, conn: sqlite3.Connection, key: tuple) -> None:
        self.key = key
        self.top = top = conn.execute("SELECT max(rowid) FROM docs").fetchone()[0] or 0
        rowids, one, two, days = (
            ints(v)
            for v in conn.execute(
                "SELECT group_concat(rowid), group_concat(code1), group_concat(code2), group_concat(day) FROM fac"
            ).fetchone()
        )
        # One more slot than rowids: code -1 (no such row) reads the last slot of every mask.
        self.code1 = np.full(top + 1, -1, np.int32)
        self.code2 = np.full(top + 1, -1, np.int32)
        self.dates = np.zeros(top + 1, np.int32)
        self.code1[rowids], self.code2[rowids], self.dates[rowids] = one, two, days
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
        self.all_rows = rowids
        self.all_counts = self.count(rowids)
        self.oldest, self.newest, self.dated = _orders(conn, self.dates)
        self.oldest_rank = _rank(self.oldest, top)
        self.newest_rank = _rank(self.newest, top)
        self.filtered: dict[tuple, Any] = {}
        self._lock = threading.Lock()

    def count(self, rowids: Rows) -> tuple[np.ndarray, np.ndarray]:
        """Matches per code of each kind."""
        return (
            np.bincount(self.code1[rowids], minlength=len(self.combos1)),
            np.bincount(self.code2[rowids], minlength=len(self.multis)),
        )

    def facets(self, counted: tuple[np.ndarray, np.ndarray]) -> tuple[int, tuple[Facet, ...]]:
        """The total and the seven facets from per-code counts."""
        counts: dict[str, dict[str, int]] = {name: {} for name, _ in FACETS}
        singles = [counts[name] for name in _SINGLES]
        one, two = counted
        total = int(one.sum())  # every item has a type: this is the number of matches
        for code in np.flatnonzero(one).tolist():
            k = int(one[code])
            for i, value in self.singles[code]:
                singles[i][value] = singles[i].get(value, 0) + k
        topic, author, player = counts["topic"], counts["author"], counts["player"]
        for code in np.flatnonzero(two).tolist():
            k = int(two[code])
            topics, authors, players = self.multis[code]
            for value in topics:
                topic[value] = topic.get(value, 0) + k
            for value in authors:
                author[value] = author.get(value, 0) + k
            for value in players:
                player[value] = player.get(value, 0) + k
        return total, tuple(
            Facet(name, tuple(sorted(counts[name].items(), key=lambda kv: (-kv[1], kv[0]))[:FACET_SIZE]))
            for name, _ in FACETS
        )

    def by_date(self, rowids: Rows, sort: str, offset: int, want: int) -> list[int]:
        """Rows ``offset``..``want`` of ``rowids`` newest first (``oldest``: oldest first),
        undated last, ties by id."""
        rank = self.oldest_rank if sort == "oldest" else self.newest_rank
        places = rank[rowids]
        if len(places) > want:
            best = np.argpartition(places, want - 1)[:want]
            rowids, places = rowids[best], places[best]
        return rowids[np.argsort(places, kind="stable")][offset:want].tolist()

    def remembered(self, key: tuple, compute: Callable[[], T]) -> T:
        """What ``compute`` gives for a query of filters only, remembered until the index changes."""
        with self._lock:
            found = self.filtered.get(key)
        if found is None:
            found = compute()
            with self._lock:
                if len(self.filtered) >= FILTER_CACHE:
                    self.filtered.pop(next(iter(self.filtered)))
                self.filtered[key] = found
        return found


def _orders(conn: sqlite3.Connection, dates: np.ndarray) -> tuple[Rows, Rows, int]:
    """Every rowid oldest first and newest first (by date then id, undated last), and how many
    rows have a date. One walk of the docs_order index; the newest-first order is the oldest's
    days in reverse, each day's rows still by id."""
    (dated,) = conn.execute("SELECT group_concat(rowid) FROM docs WHERE date IS NOT NULL ORDER BY date, id").fetchone()
    (undated,) = conn.execute("SELECT group_concat(rowid) FROM docs WHERE date IS NULL ORDER BY id").fetchone()
    oldest, rest = ints(dated), ints(undated)
    days = dates[oldest]
    # Newest first: sort by day descending, stably, so that each day keeps its rows by id.
    newest = oldest[np.argsort(-days, kind="stable")]
    return np.concatenate([oldest, rest]), np.concatenate([newest, rest]), len(oldest)


def _rank(order: Rows, top: int) -> np.ndarray:
    """Each rowid's place in ``order``."""
    rank = np.zeros(top + 1, np.int32)
    rank[order] = np.arange(len(order), dtype=np.int32)
    return rank


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
