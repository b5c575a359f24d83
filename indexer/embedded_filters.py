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

from collections.abc import Iterable

import numpy as np

from .embedded_columns import Columns, Rows
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
        self.nodes = tuple(nodes)
        # Per code (and one more slot, False, for -1: no such row): let through or not.
        self.ok1: np.ndarray | None = None
        self.ok2: np.ndarray | None = None
        self.mixed: list[Node] = []  # terms that read both codes: decided per pair of codes
        self.dates: list[tuple[int, int]] = []
        for node in self.nodes:
            if isinstance(node, Filter) and isinstance(node.value, tuple):  # a date range
                lo, hi = node.value
                self.dates.append((_day(lo, 1), _day(hi, 99_999_999)))
                continue
            fields = _fields(node) or set()
            if fields <= _CODE1.keys():
                ok = _mask([_decide(node, combo, ((), (), ())) for combo in columns.combos1])
                self.ok1 = ok if self.ok1 is None else self.ok1 & ok
            elif fields <= _CODE2.keys():
                ok = _mask([_decide(node, (None,) * 4, folded) for folded in columns.folded2])
                self.ok2 = ok if self.ok2 is None else self.ok2 & ok
            else:
                self.mixed.append(node)
        self.empty = not (self.ok1 is not None or self.ok2 is not None or self.mixed or self.dates)

    def keep(self, rowids: Rows) -> np.ndarray:
        """Which of ``rowids`` pass (a boolean per row)."""
        cols = self.columns
        ok = np.ones(len(rowids), bool)
        if self.ok1 is not None:
            ok &= self.ok1[cols.code1[rowids]]
        if self.ok2 is not None:
            ok &= self.ok2[cols.code2[rowids]]
        for lo, hi in self.dates:
            days = cols.dates[rowids]
            ok &= (days >= lo) & (days <= hi)
        if self.mixed:
            pairs = cols.code1[rowids].astype(np.int64) * len(cols.folded2) + cols.code2[rowids]
            unique, where = np.unique(pairs, return_inverse=True)
            n2 = len(cols.folded2)
            decided = _mask(
                [
                    all(_decide(n, cols.combos1[p // n2], cols.folded2[p % n2]) for n in self.mixed)
                    for p in unique.tolist()
                ]
            )
            ok &= decided[where]
        return ok

    def apply(self, rowids: Rows) -> Rows:
        """The rowids (in their order) that pass."""
        return rowids if self.empty else rowids[self.keep(rowids)]

    def candidates(self) -> Rows:
        """Every row that passes, for a query without words or SQL terms, in rowid order."""
        cols = self.columns
        if self.empty:
            return cols.all_rows
        if self.dates and self.ok1 is None and self.ok2 is None:
            # The oldest-first order is sorted by date (undated rows last): bisect the range.
            lo = max(lo for lo, _ in self.dates)
            hi = min(hi for _, hi in self.dates)
            days = cols.dates[cols.oldest[: cols.dated]]
            start = np.sort(cols.oldest[np.searchsorted(days, lo, "left") : np.searchsorted(days, hi, "right")])
            return self.apply(start)
        return self.apply(cols.all_rows)


def _mask(decisions: list[bool]) -> np.ndarray:
    return np.array([*decisions, False], bool)
