"""Compile a query tree to an SQLite FTS5 MATCH expression plus parameterised SQL filters.

User text never reaches SQL: filter values travel as parameters, and words reach FTS5 only as
double-quoted strings made of letters and digits (``query.words``), so FTS5 operators and
column filters typed by a user are plain words here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from .query import And, Filter, MatchAll, Node, Not, Or, Text, words

# Multi-valued filters live in the ``terms`` table: (doc, field, value, norm).
_TERM_FIELDS = {"celex": "celex", "procedure": "procedure", "topic": "topic", "author": "author", "player": "player"}


@dataclass
class Compiled:
    match: str | None  # the FTS5 expression that ranks, or None (then sort by date)
    where: list[str] = field(default_factory=list)  # SQL conditions on docs d, ANDed
    params: list = field(default_factory=list)
    memory: list[Node] = field(default_factory=list)  # terms the caller decides itself, ANDed


def fts_text(node: Text) -> str:
    phrase = " ".join(words(node.text))
    return f'"{phrase}"' + (" *" if node.prefix else "")


def fts_expr(node: Node) -> str | None:
    """The FTS5 expression for ``node``, or None when FTS5 alone cannot express it."""
    if isinstance(node, Text):
        return fts_text(node)
    if isinstance(node, Or):
        parts = [fts_expr(c) for c in node.children]
        return None if None in parts else "(" + " OR ".join(parts) + ")"  # type: ignore[arg-type]
    if isinstance(node, And):
        pos, neg = [], []
        for c in node.children:
            if isinstance(c, Not):
                e = fts_expr(c.child)
                if e is None:
                    return None
                neg.append(e)
            else:
                e = fts_expr(c)
                if e is None:
                    return None
                pos.append(e)
        if not pos:
            return None  # FTS5 has no unary NOT
        out = "(" + " AND ".join(pos) + ")"
        return out + (" NOT (" + " OR ".join(neg) + ")" if neg else "")
    return None  # Filter, Not alone, MatchAll


def _sql(node: Node, params: list, probe: bool = False) -> str:
    """SQL for ``node``. ``probe``: FTS5 drives (a MATCH narrows the rows first), so a
    multi-valued filter is checked per row by an index seek instead of building the whole
    list of items with that value (e.g. every item by the Commission) for each query."""
    expr = fts_expr(node)
    if expr is not None:
        params.append(expr)
        return "d.rowid IN (SELECT rowid FROM fts WHERE fts MATCH ?)"
    if isinstance(node, Filter):
        return _filter(node, params, probe)
    if isinstance(node, Not):
        return f"NOT ({_sql(node.child, params, probe)})"
    if isinstance(node, And):
        return "(" + " AND ".join(_sql(c, params, probe) for c in node.children) + ")"
    if isinstance(node, Or):
        return "(" + " OR ".join(_sql(c, params, probe) for c in node.children) + ")"
    if isinstance(node, MatchAll):
        return "1"
    raise TypeError(node)


def _filter(f: Filter, params: list, probe: bool = False) -> str:
    if f.field in _TERM_FIELDS:
        params.extend((_TERM_FIELDS[f.field], f.value))
        if probe:
            return "EXISTS (SELECT 1 FROM terms WHERE field = ? AND norm = ? AND doc = d.rowid)"
        return "d.rowid IN (SELECT doc FROM terms WHERE field = ? AND norm = ?)"
    # The field decides the shape of the value; the isinstance checks only narrow its type.
    if f.field == "procedure_prefix" and isinstance(f.value, str):
        # "2022/0051(" .. "2022/0051)": ")" sorts right after "(", so this is a prefix range.
        params.extend(("procedure", f.value, f.value[:-1] + ")"))
        if probe:
            return "EXISTS (SELECT 1 FROM terms WHERE field = ? AND norm >= ? AND norm < ? AND doc = d.rowid)"
        return "d.rowid IN (SELECT doc FROM terms WHERE field = ? AND norm >= ? AND norm < ?)"
    if f.field == "type":
        params.append(f.value)
        return "d.doc_type = ?"
    if f.field == "proctype":
        params.append(f.value)
        return "d.proc_type = ?"
    if f.field == "stage":
        params.append(f.value)
        return "d.stage IS ?"  # NULL-safe: NOT stage:… keeps the items without a stage
    if f.field == "date" and isinstance(f.value, tuple):
        lo, hi = f.value
        conds = ["d.date IS NOT NULL"]
        if lo:
            conds.append("d.date >= ?")
            params.append(lo)
        if hi:
            conds.append("d.date <= ?")
            params.append(hi)
        return "(" + " AND ".join(conds) + ")"
    raise TypeError(f.field)


def compile_fts(node: Node, in_memory: Callable[[Node], bool] | None = None) -> Compiled:
    """Split the top-level AND into one ranking MATCH, the terms ``in_memory`` takes (the
    embedded search decides some filters from in-memory columns) and SQL for the rest."""
    children = node.children if isinstance(node, And) else (node,)
    pos: list[str] = []
    neg: list[Not] = []
    rest: list[Node] = []
    for c in children:
        if isinstance(c, MatchAll):
            continue
        if isinstance(c, Not) and fts_expr(c.child) is not None:
            neg.append(c)
            continue
        e = fts_expr(c)
        if e is not None:
            pos.append(e)
        else:
            rest.append(c)
    out = Compiled(None)
    if pos:
        out.match = " AND ".join(pos)
        if neg:
            out.match = f"({out.match}) NOT (" + " OR ".join(fts_expr(n.child) for n in neg) + ")"  # type: ignore[misc]
    else:
        rest.extend(neg)
    for c in rest:
        if in_memory is not None and in_memory(c):
            out.memory.append(c)
        else:
            out.where.append(_sql(c, out.params, probe=out.match is not None))
    return out
