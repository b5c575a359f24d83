"""policytrack's query language, parsed once into a tree that each backend compiles.

Grammar (operators are upper case; lower-case ``and``/``or``/``not`` are ordinary words)::

    query   := or_expr?
    or_expr := and_expr ("OR" and_expr)*
    and_expr:= unary (("AND")? unary)*          # juxtaposition means AND
    unary   := ("NOT" | "-") unary | atom
    atom    := "(" or_expr ")" | FIELD ":" value | '"' phrase '"' ["*"] | word ["*"]

Fields: ``celex:``, ``procedure:`` (any spelling; without a type it matches every type),
``topic:``, ``type:`` (document type, ``procedure``, a note kind or a procedure type such as
``COD``), ``author:``, ``stage:`` (a procedure's stage, exactly as the facet shows it),
``player:`` (a key player: ``WOLTERS Lara``, ``WOLTERS Lara (S&D)`` or a committee as the facet
shows it), ``year:`` and ``date:`` (``2024``, ``2024-03``, ``2024-03-01``,
``>=2024-01-01``, ``<2023``, ``2022..2024``, open ends ``2022..``). A trailing ``*`` asks for a
prefix. Every problem is a ``QueryError`` carrying the position, so no user text ever reaches a
backend's own query syntax.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from policytrack.errors import IdentifierError
from policytrack.identifiers import PROCEDURE_TYPES, normalise_celex, parse_procedure
from policytrack.model import DOCUMENT_TYPES, NOTE_KINDS

from .errors import QueryError

MAX_QUERY_LENGTH = 10_000
MAX_TERMS = 256
MAX_DEPTH = 32
FIELDS = ("celex", "procedure", "topic", "type", "author", "stage", "player", "year", "date")
ITEM_TYPES = tuple(dict.fromkeys((*DOCUMENT_TYPES, "procedure", *NOTE_KINDS)))


# --------------------------------------------------------------------------- the tree


@dataclass(frozen=True)
class Text:
    """Words to find in title, body or identifiers; several words in one node form a phrase."""

    text: str
    prefix: bool = False
    pos: int = 0


@dataclass(frozen=True)
class Filter:
    """An exact filter. ``field`` is one of celex, procedure, procedure_prefix, topic, type,
    proctype, author, stage, player (``value`` a normalised string) or date (``value`` an inclusive
    ``(from, to)`` pair of ISO dates, either may be None)."""

    field: str
    value: str | tuple[str | None, str | None]
    pos: int = 0


@dataclass(frozen=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    child: Node


@dataclass(frozen=True)
class MatchAll:
    """The empty query: everything (filters may still apply through ``changed_since``)."""


Node = Text | Filter | And | Or | Not | MatchAll


def _holds(node: Node, leaf: type) -> bool:
    """Whether the tree has a leaf of this type anywhere (below NOT too)."""
    if isinstance(node, leaf):
        return True
    if isinstance(node, (And, Or)):
        return any(_holds(c, leaf) for c in node.children)
    if isinstance(node, Not):
        return _holds(node.child, leaf)
    return False


def has_text(node: Node) -> bool:
    return _holds(node, Text)


def _has_filter(node: Node) -> bool:
    return _holds(node, Filter)


def words_part(node: Node) -> Node | None:
    """What the words of a query ask for, to find the parts of a matching document (its articles,
    recitals, annexes) that hold them: the terms of the top-level AND made of words only
    (filters choose documents, not places in them). None when no such term is positive: an OR
    of words and filters, a filter alone, only NOTs."""
    children = node.children if isinstance(node, And) else (node,)
    kept = [c for c in children if has_text(c) and not _has_filter(c)]
    if not any(not isinstance(c, Not) for c in kept):
        return None
    return kept[0] if len(kept) == 1 else And(tuple(kept))


def positive_texts(node: Node) -> list[Text]:
    """The words and phrases a query asks for (not under a NOT)."""
    if isinstance(node, Text):
        return [node]
    if isinstance(node, (And, Or)):
        return [t for c in node.children for t in positive_texts(c)]
    return []


def words(text: str) -> list[str]:
    """The searchable words of a text: runs of letters and digits (what both tokenizers keep)."""
    return re.findall(r"[^\W_]+", text)


# --------------------------------------------------------------------------- lexer


@dataclass(frozen=True)
class _Tok:
    kind: str  # "(" ")" AND OR NOT - WORD PHRASE FIELD
    pos: int
    text: str = ""
    prefix: bool = False
    field: str = ""
    value_pos: int = 0


_FIELD_RE = re.compile(r"(?i)(" + "|".join(FIELDS) + r"):")


def _lex(q: str) -> list[_Tok]:
    toks: list[_Tok] = []
    i, n = 0, len(q)
    while i < n:
        c = q[i]
        if c.isspace():
            i += 1
            continue
        if c == "(" or c == ")":
            toks.append(_Tok(c, i))
            i += 1
            continue
        if (
            c == "-"
            and i + 1 < n
            and not q[i + 1].isspace()
            and (not toks or toks[-1].kind != "WORD" or q[i - 1].isspace())
        ):
            toks.append(_Tok("-", i))
            i += 1
            continue
        if c == '"':
            start = i
            text, i = _phrase(q, i)
            prefix = i < n and q[i] == "*"
            toks.append(_Tok("PHRASE", start, text, prefix))
            if prefix:
                i += 1
            continue
        m = _FIELD_RE.match(q, i)
        if m:
            start, i = i, m.end()
            field = m.group(1).lower()
            if i < n and q[i] == '"':
                value_pos = i
                value, i = _phrase(q, i)
            else:
                value_pos = i
                value, i = _word(q, i)
            if not value.strip():
                raise QueryError(f"{field}: needs a value (e.g. {_EXAMPLES[field]})", start, q)
            toks.append(_Tok("FIELD", start, value, field=field, value_pos=value_pos))
            continue
        start = i
        word, i = _word(q, i)
        if word in ("AND", "OR", "NOT"):
            toks.append(_Tok(word, start))
        elif word in ("&&",):
            toks.append(_Tok("AND", start))
        elif word in ("||",):
            toks.append(_Tok("OR", start))
        else:
            prefix = word.endswith("*")
            toks.append(_Tok("WORD", start, word.rstrip("*") if prefix else word, prefix))
    return toks


def _phrase(q: str, i: int) -> tuple[str, int]:
    end = q.find('"', i + 1)
    if end < 0:
        raise QueryError('unterminated quote: add the closing "', i, q)
    return q[i + 1 : end], end + 1


def _word(q: str, i: int) -> tuple[str, int]:
    """A run of non-space characters; parentheses inside a word (2022/0051(COD)) belong to it."""
    start, depth, n = i, 0, len(q)
    while i < n:
        c = q[i]
        if c.isspace() or c == '"':
            break
        if c == "(":
            depth += 1
        elif c == ")":
            if depth == 0:
                break
            depth -= 1
        i += 1
    return q[start:i], i


_EXAMPLES = {
    "celex": "celex:32024L1760",
    "procedure": "procedure:2022/0051(COD)",
    "topic": "topic:due-diligence",
    "type": "type:directive",
    "author": 'author:"European Commission"',
    "stage": 'stage:"Procedure completed"',
    "player": 'player:"WOLTERS Lara"',
    "year": "year:2024",
    "date": "date:>=2024-01-01",
}


# --------------------------------------------------------------------------- parser


class _Parser:
    def __init__(self, q: str, toks: list[_Tok]) -> None:
        self.q, self.toks, self.i, self.terms = q, toks, 0, 0

    def peek(self) -> _Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def error(self, problem: str, pos: int) -> QueryError:
        return QueryError(problem, pos, self.q)

    def parse(self) -> Node:
        node = self.or_expr(0)
        tok = self.peek()
        if tok is not None:  # only a stray ")" stops or_expr early
            raise self.error("unexpected ')' without a matching '('", tok.pos)
        return node

    def or_expr(self, depth: int) -> Node:
        if depth > MAX_DEPTH:
            tok = self.peek()
            raise self.error(
                f"parentheses nested deeper than {MAX_DEPTH} levels", tok.pos if tok is not None else len(self.q)
            )
        parts = [self.and_expr(depth)]
        while (tok := self.peek()) is not None and tok.kind == "OR":
            self.i += 1
            self.need_operand(tok, "OR")
            parts.append(self.and_expr(depth))
        return parts[0] if len(parts) == 1 else Or(tuple(parts))

    def need_operand(self, op: _Tok, name: str) -> None:
        nxt = self.peek()
        if nxt is None:
            raise self.error(f"{name} needs something after it", op.pos)
        if nxt.kind in ("AND", "OR", ")"):
            raise self.error(
                f"{name} is followed by {nxt.kind if nxt.kind != ')' else ')'}; expected a word, phrase, field or '('",
                nxt.pos,
            )

    def and_expr(self, depth: int) -> Node:
        tok = self.peek()
        if tok is None:
            raise self.error("expected a word, phrase or field", len(self.q))
        if tok.kind in ("AND", "OR"):
            raise self.error(f"{tok.kind} needs something before it", tok.pos)
        if tok.kind == ")":
            raise self.error("unexpected ')'", tok.pos)
        parts = [self.unary(depth)]
        while (tok := self.peek()) is not None and tok.kind not in ("OR", ")"):
            if tok.kind == "AND":
                self.i += 1
                self.need_operand(tok, "AND")
            parts.append(self.unary(depth))
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def unary(self, depth: int) -> Node:
        tok = self.peek()
        if tok is not None and tok.kind in ("NOT", "-"):
            self.i += 1
            self.need_operand(tok, "NOT" if tok.kind == "NOT" else "'-'")
            if depth > MAX_DEPTH:
                raise self.error(f"negations nested deeper than {MAX_DEPTH} levels", tok.pos)
            return Not(self.unary(depth + 1))
        return self.atom(depth)

    def atom(self, depth: int) -> Node:
        tok = self.peek()
        assert tok is not None
        self.i += 1
        if tok.kind == "(":
            nxt = self.peek()
            if nxt is None:
                raise self.error("'(' is never closed", tok.pos)
            if nxt.kind == ")":
                raise self.error("empty parentheses", tok.pos)
            node = self.or_expr(depth + 1)
            close = self.peek()
            if close is None or close.kind != ")":
                raise self.error("'(' is never closed", tok.pos)
            self.i += 1
            return node
        self.terms += 1
        if self.terms > MAX_TERMS:
            raise self.error(f"more than {MAX_TERMS} terms", tok.pos)
        if tok.kind == "FIELD":
            return _field(self.q, tok)
        if tok.kind == "NOT":  # NOT NOT x
            raise self.error("NOT needs something after it", tok.pos)
        text = tok.text.replace("*", " ") if tok.kind == "WORD" else tok.text
        if tok.prefix:
            found = words(text)
            if not found:
                raise self.error("'*' must follow a word", tok.pos)
            if len(found[-1]) < 2:
                raise self.error(f"prefix {found[-1]!r}* is too short: give at least 2 letters", tok.pos)
        return Text(text, tok.prefix, tok.pos)


def _field(q: str, tok: _Tok) -> Filter:
    field, value, pos = tok.field, tok.text.strip(), tok.value_pos

    def bad(problem: str) -> QueryError:
        return QueryError(problem, pos, q)

    if field == "celex":
        try:
            return Filter("celex", normalise_celex(value), tok.pos)
        except IdentifierError as e:
            raise bad(str(e)) from None
    if field == "procedure":
        try:
            ref = parse_procedure(value)
        except IdentifierError as e:
            raise bad(str(e)) from None
        if ref.type:
            return Filter("procedure", str(ref), tok.pos)
        return Filter("procedure_prefix", f"{ref}(", tok.pos)
    if field == "topic":
        return Filter("topic", value.casefold(), tok.pos)
    if field == "author":
        return Filter("author", " ".join(value.split()).casefold(), tok.pos)
    if field == "stage":
        # Exact, like the stage facet's values: both backends compare the stored text as is.
        return Filter("stage", " ".join(value.split()), tok.pos)
    if field == "player":
        return Filter("player", " ".join(value.split()).casefold(), tok.pos)
    if field == "type":
        wanted = " ".join(value.replace("-", " ").replace("_", " ").split()).casefold()
        if wanted.upper() in PROCEDURE_TYPES:
            return Filter("proctype", wanted.upper(), tok.pos)
        if wanted in ITEM_TYPES:
            return Filter("type", wanted, tok.pos)
        raise bad(f"unknown type {value!r}; use one of {', '.join(ITEM_TYPES)} or a procedure type such as COD")
    lo, hi = _date_range(value, years_only=(field == "year"), bad=bad)
    if lo and hi and lo > hi:
        raise bad(f"empty {field} range {value!r}: the start is after the end")
    return Filter("date", (lo.isoformat() if lo else None, hi.isoformat() if hi else None), tok.pos)


_DATE_RE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")


def _span(text: str, years_only: bool, bad: Callable[[str], QueryError]) -> tuple[date, date]:
    m = _DATE_RE.match(text)
    if not m or (years_only and m.group(2)):
        raise bad(f"{text!r} is not a {'year (YYYY)' if years_only else 'date (YYYY, YYYY-MM or YYYY-MM-DD)'}")
    y = int(m.group(1))
    try:
        if m.group(3):
            d = date(y, int(m.group(2)), int(m.group(3)))
            return d, d
        if m.group(2):
            month = int(m.group(2))
            return date(y, month, 1), date(y, month, calendar.monthrange(y, month)[1])
        if y < 1:
            raise ValueError
        return date(y, 1, 1), date(y, 12, 31)
    except ValueError:
        raise bad(f"{text!r} is not a real date") from None


def _date_range(value: str, *, years_only: bool, bad: Callable[[str], QueryError]) -> tuple[date | None, date | None]:
    for op in (">=", "<=", ">", "<"):
        if value.startswith(op):
            lo, hi = _span(value[len(op) :].strip(), years_only, bad)
            try:
                if op == ">=":
                    return lo, None
                if op == ">":
                    return hi + timedelta(days=1), None
                if op == "<=":
                    return None, hi
                return None, lo - timedelta(days=1)
            except OverflowError:
                raise bad(f"{value!r} is out of range") from None
    if ".." in value:
        a, _, b = value.partition("..")
        if not a.strip() and not b.strip():
            raise bad("a range needs at least one end, e.g. 2022..2024")
        start = _span(a.strip(), years_only, bad)[0] if a.strip() else None
        end = _span(b.strip(), years_only, bad)[1] if b.strip() else None
        return start, end
    return _span(value, years_only, bad)


# --------------------------------------------------------------------------- entry point


def _simplify(node: Node) -> Node | None:
    """Flatten nested AND/OR and drop words with nothing searchable in them (``&``, ``-``)."""
    if isinstance(node, Text):
        return node if words(node.text) else None
    if isinstance(node, Not):
        child = _simplify(node.child)
        if child is None:
            return None
        return child.child if isinstance(child, Not) else Not(child)
    if isinstance(node, (And, Or)):
        out: list[Node] = []
        for c in node.children:
            s = _simplify(c)
            if s is None:
                continue
            out.extend(s.children if type(s) is type(node) else (s,))
        if not out:
            return None
        return out[0] if len(out) == 1 else type(node)(tuple(out))
    return node


def parse(query: str) -> Node:
    """Parse a query into a tree; raise ``QueryError`` (with the position) when it is malformed."""
    if not isinstance(query, str):
        raise QueryError(f"query must be text, not {type(query).__name__}", 0, "")
    if len(query) > MAX_QUERY_LENGTH:
        raise QueryError(
            f"query is longer than {MAX_QUERY_LENGTH} characters ({len(query)})",
            MAX_QUERY_LENGTH,
            query[:MAX_QUERY_LENGTH],
        )
    for i, c in enumerate(query):
        if (ord(c) < 32 and c not in "\t\n\r") or ord(c) == 127 or 0xD800 <= ord(c) <= 0xDFFF:
            raise QueryError(f"control character {c!r} in the query", i, query)
    toks = _lex(query)
    if not toks:
        return MatchAll()
    node = _simplify(_Parser(query, toks).parse())
    if node is None:
        raise QueryError("nothing to search for: the query has no letters or digits", 0, query)
    return node
