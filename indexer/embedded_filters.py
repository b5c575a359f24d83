"""Filters the embedded search decides in memory, from the columns of ``embedded_columns.py``.

A filter on type, procedure type, stage, topic, author or key player (and NOT, AND, OR of such
filters) only depends on a row's two combination codes: it is decided once per combination and
then applied to rows by their code. A date range at the top level of the query compares the
row's date. The same comparisons as the SQL of ``fts_query.py``: exact type, procedure type and
stage (a row without a stage is not in ``stage:x`` and is in ``-stage:x``), topics, authors and
key players folded to lower case, dates inclusive.

Everything else (CELEX, procedure, changed since, a filter ORed with words) stays in SQL.
"""

from __future__ import annotations

import bisect
from array import array
from collections.abc import Iterable

from .embedded_columns import Columns
from .query import And, Filter, Node, Not, Or

_CODE1 = {"type": 0, "proctype": 2, "stage": 3}  # field → place in (doc_type, year, proc_type, stage)
_CODE2 = {"topic": 0, "author": 1, "player": 2}  # field → place in (topics, authors, players)


def _fields(node: Node) -> set[str] | None:
    """The fields a filter tree reads, or None when it is not decided in memory."""
    if isinstance(node, Filter):
        return {node.field} if node.field in _CODE1 or node.field in _CODE2 else None
    if isinstance(node, Not):
        return _fields(node.child)
    if isinstance(node, (And, Or)):
        out: set[str] = set()
        for c in node.children:
            got = _fields(c)
            if got is None:
                return None
            out |= got
        return out
    return None


def in_memory(node: Node) -> bool:
    """Whether a top-level term of a query is decided here rather than in SQL."""
    if isinstance(node, Filter) and node.field == "date":
        return True
    return _fields(node) is not None


def _decide(node: Node, combo1: tuple, folded2: tuple) -> bool:
    if isinstance(node, Filter):
        if node.field in _CODE1:
            return combo1[_CODE1[node.field]] == node.value
        return node.value in folded2[_CODE2[node.field]]
    if isinstance(node, Not):
        return not _decide(node.child, combo1, folded2)
    if isinstance(node, And):
        return all(_decide(c, combo1, folded2) for c in node.children)
    if isinstance(node, Or):
        return any(_decide(c, combo1, folded2) for c in node.children)
    raise TypeError(node)


def _day(text: str | None, default: int) -> int:
    return int(text.replace("-", "")) if text else default


class RowFilter:
    """The in-memory terms of one query (ANDed), over one state of the columns."""

    def __init__(self, nodes: Iterable[Node], columns: Columns) -> None:
        self.columns = columns
        self.allowed1: set[int] | None = None  # codes of (type, year, proc. type, stage) let through
        self.allowed2: set[int] | None = None  # codes of (topics, authors, players) let through
        self.pairs: dict[int, bool] = {}  # for terms that read both codes: decided per pair, lazily
        self.mixed: list[Node] = []
        self.dates: list[tuple[int, int]] = []
        for node in nodes:
            if isinstance(node, Filter) and isinstance(node.value, tuple):  # a date range
                lo, hi = node.value
                self.dates.append((_day(lo, 1), _day(hi, 99_999_999)))
                continue
            fields = _fields(node) or set()
            if fields <= _CODE1.keys():
                codes = {i for i, combo in enumerate(columns.combos1) if _decide(node, combo, ((), (), ()))}
                self.allowed1 = codes if self.allowed1 is None else self.allowed1 & codes
            elif fields <= _CODE2.keys():
                codes = {i for i, folded in enumerate(columns.folded2) if _decide(node, (None,) * 4, folded)}
                self.allowed2 = codes if self.allowed2 is None else self.allowed2 & codes
            else:
                self.mixed.append(node)
        self.empty = not (self.allowed1 is not None or self.allowed2 is not None or self.mixed or self.dates)

    def _pair(self, c1: int, c2: int) -> bool:
        key = c1 * 1_000_003 + c2
        found = self.pairs.get(key)
        if found is None:
            combo, folded = self.columns.combos1[c1], self.columns.folded2[c2]
            found = self.pairs[key] = all(_decide(n, combo, folded) for n in self.mixed)
        return found

    def accept(self, rowid: int) -> bool:
        cols = self.columns
        c1 = cols.code1[rowid]
        if c1 < 0 or (self.allowed1 is not None and c1 not in self.allowed1):
            return False
        if self.allowed2 is not None and cols.code2[rowid] not in self.allowed2:
            return False
        if self.mixed and not self._pair(c1, cols.code2[rowid]):
            return False
        day = cols.dates[rowid]
        return all(lo <= day <= hi for lo, hi in self.dates)

    def apply(self, rowids: list[int]) -> list[int]:
        """The rowids (in their order) that pass; one pass in C per kind of term."""
        if self.empty:
            return rowids
        cols = self.columns
        if self.allowed1 is not None:
            a1, allowed1 = cols.code1, self.allowed1
            rowids = [r for r in rowids if a1[r] in allowed1]
        if self.allowed2 is not None:
            a2, allowed2 = cols.code2, self.allowed2
            rowids = [r for r in rowids if a2[r] in allowed2]
        for lo, hi in self.dates:
            days = cols.dates
            rowids = [r for r in rowids if lo <= days[r] <= hi]
        if self.mixed:
            a1, a2, pair = cols.code1, cols.code2, self._pair
            rowids = [r for r in rowids if pair(a1[r], a2[r])]
        return rowids

    def candidates(self) -> list[int] | array:
        """Every row that passes, for a query without words or SQL terms (in no set order);
        ``columns.newest`` itself when that is every row."""
        cols = self.columns
        if self.empty:
            return cols.newest
        start: list[int] | array = cols.newest
        if self.allowed1 is not None or self.allowed2 is not None:
            one = [cols.rows1[c] for c in self.allowed1] if self.allowed1 is not None else None
            two = [cols.rows2[c] for c in self.allowed2] if self.allowed2 is not None else None
            lists = one if two is None or (one is not None and sum(map(len, one)) <= sum(map(len, two))) else two
            start = [r for rows in lists or () for r in rows]
        elif self.dates:
            # The oldest-first order is sorted by date (undated rows last): bisect the range.
            lo = max(lo for lo, _ in self.dates)
            hi = min(hi for _, hi in self.dates)
            days, order = cols.dates, cols.oldest
            first = bisect.bisect_left(order, lo, 0, cols.dated, key=days.__getitem__)
            last = bisect.bisect_right(order, hi, first, cols.dated, key=days.__getitem__)
            start = order[first:last]
        return self.apply(list(start))
