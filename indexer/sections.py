"""Hits inside an act: which article, recital or annex a match is in, and where in it.

Both backends index each ``Section`` of a document (``policytrack.model.Section``: recitals,
articles, annexes of an act's official text) as a unit of its own, next to the whole document.
Documents are still what a search counts, ranks and facets (totals and facets do not change
with the number of parts). The parts of the acts on the page are then searched with the
query's words (its terms made of words only: filters choose acts, not places in them), and
each act lists the parts that hold them, in this order: articles and annexes (the law) before
recitals, preamble and final part (they explain it); within each group, a part whose heading
holds one of the words first ("Carbon footprint" for Article 7 of the Batteries Regulation),
then the act's own order. The first ``SHOWN`` are named, each with the point of its first
match and a snippet around it, and the number of the others is given. (Not BM25 within the act:
scoring a few parts costs a pass over the whole index's statistics per act in FTS5, and the
act's own order reads better than near-equal scores.)

How far a label goes (``point_label``): the paragraph ("1.") always, since a numbered paragraph
runs until the next one; the point ("(g)", "(12)") and sub-point ("(ii)") only when the match is
on the point's own line or on an indent ("—") under it. A line without a label after a list of
points may be the point's second paragraph or the paragraph's closing words: the text cannot
tell, so such a match is named by its paragraph only. Letters that are also Roman numerals
((i), (v), (x)) are read as letters when they follow the previous letter ((h) → (i)), as
numerals under a lettered point otherwise.
"""

from __future__ import annotations

import re

# Kinds in the order a hit lists them: the operative parts before the explanatory ones.
KIND_PRIORITY = {"article": 0, "annex": 0, "recital": 1, "preamble": 1, "final": 1}
SHOWN = 3  # sections named per hit
SNIPPET_CHARS = 160

_PARAGRAPH = re.compile(r"^(\d{1,3}[a-z]?)\.\s")
_POINT = re.compile(r"^\((\d{1,3}[a-z]?|[a-z]{1,4})\)\s")
_INDENT = re.compile(r"^[—–\-•]\s")
_ROMAN = re.compile(r"^(?=[ivxl]+$)l?x{0,3}(ix|iv|v?i{0,3})$")
_ACT = re.compile(
    r"^(?:Commission |Council )?(?:Implementing |Delegated )?(?:Regulation|Directive|Decision)"
    r"(?: \((?:EU|EC|EEC|Euratom)\))?(?: No)? \d{1,4}/\d{1,4}(?:/(?:EU|EC|EEC|Euratom))?"
)


def priority(kind: str) -> int:
    return KIND_PRIORITY.get(kind, 1)


def _is_roman(value: str) -> bool:
    return bool(_ROMAN.match(value)) and (len(value) > 1 or value in "ivx")


_NEXT_ROMAN = {"i": "ii", "v": "vi", "x": "xi"}


def _follows(previous: str, value: str) -> bool:
    return len(previous) == len(value) == 1 and ord(value) == ord(previous) + 1


def point_path(text: str, offset: int) -> str:
    """The paragraph and point of the character at ``offset`` of an article's text, as a
    citation suffix: ``(1), point (g)(ii)``, ``(2)``, ``, point (a)`` or ``""``."""
    lines = text.split("\n")
    labels = [_PARAGRAPH.match(line) or _POINT.match(line) for line in lines]
    paragraph = ""
    points: list[tuple[str, str]] = []  # (kind, value), outermost first
    sure = True  # False once a line without a label follows a point (see the module docstring)
    start = 0
    for n, line in enumerate(lines):
        end = start + len(line)
        m = labels[n]
        if m is not None and m.re is _PARAGRAPH:
            paragraph, points, sure = m[1], [], True
        elif m is not None:
            points, sure = _enter(points, m[1], _next_point(labels, n)), True
        elif not _INDENT.match(line) and points:
            sure = False
        if offset <= end:
            break
        start = end + 1
    out = f"({paragraph})" if paragraph else ""
    if points and sure:
        out += ", point " + "".join(f"({v})" for _, v in points)
    return out


def _next_point(labels: list[re.Match[str] | None], n: int) -> str:
    """The label of the next point in the same paragraph ("" when there is none)."""
    for m in labels[n + 1 :]:
        if m is not None:
            return m[1] if m.re is _POINT else ""
    return ""


def _enter(points: list[tuple[str, str]], value: str, following: str) -> list[tuple[str, str]]:
    """The list of open points once a point labelled ``value`` starts."""
    if value[0].isdigit():
        kind = "number"
    elif _is_roman(value):
        letter = next((v for k, v in reversed(points) if k == "letter"), None)
        # (h) then (i) is the ninth letter, unless (ii) comes next: then it opens sub-points.
        after_letter = letter is not None and _follows(letter, value) and following != _NEXT_ROMAN.get(value)
        kind = "letter" if after_letter else "roman"
    else:
        kind = "letter"
    for i, (k, _) in enumerate(points):
        if k == kind:
            return [*points[:i], (kind, value)]
    return [*points, (kind, value)]


def first_mark(marked: str) -> int:
    """Where the first match starts in the unmarked text (-1: nothing marked)."""
    i = marked.find("«")
    return -1 if i < 0 else i - marked.count("»", 0, i)


def label_for(kind: str, label: str, body_marked: str, body: str) -> str:
    """``label`` ("Article 3") with the paragraph and point of the first match in the body."""
    if kind != "article":
        return label
    at = first_mark(body_marked)
    return label + point_path(body, at) if at >= 0 else label


def snippet_around(marked: str, chars: int = SNIPPET_CHARS) -> str:
    """About ``chars`` characters of ``marked`` text around its first match, whole words, with
    the marks inside kept and an ellipsis where text was cut."""
    i = marked.find("«")
    if i < 0:
        text = " ".join(marked[: chars * 2].split())
        return text[:chars].rsplit(" ", 1)[0] + "…" if len(text) > chars else text
    lo = max(0, i - chars // 3)
    if lo:
        space = marked.find(" ", lo, i)
        lo = space + 1 if space >= 0 else lo
    hi = min(len(marked), lo + chars)
    if hi < len(marked):
        space = marked.rfind(" ", i, hi)
        hi = space if space > i else hi
    piece = marked[lo:hi]
    # A cut never leaves a mark open (the text's own « » were replaced when it was indexed).
    if piece.count("«") > piece.count("»"):
        piece += "»"
    return ("…" if lo else "") + " ".join(piece.split()) + ("…" if hi < len(marked) else "")


def act_name(title: str) -> str:
    """How an act is cited: ``Directive (EU) 2024/1760`` from its full title, else the title."""
    m = _ACT.match(title)
    return m[0] if m else title


def citation(title: str, section: str) -> str:
    """``Directive (EU) 2024/1760, Article 3(1), point (g)(ii)``."""
    return f"{act_name(title)}, {section}" if section else title
