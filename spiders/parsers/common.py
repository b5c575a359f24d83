"""Helpers shared by the parsers: safe loading of HTML/XML/JSON, text and date clean-up."""

from __future__ import annotations

import codecs
import json
import logging
import re
from collections.abc import Sequence
from datetime import date
from functools import lru_cache
from operator import attrgetter
from typing import Any

import lxml.etree

from policytrack.identifiers import PREPARATORY_TYPES, parse_celex
from policytrack.model import DOCUMENT_TYPES, Event

from ..challenge import challenge_reason
from ..errors import ParseError

Body = bytes | str

_XML_PARSER = lxml.etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
log = logging.getLogger("spiders.parsers")


def warn(url: str, kind: str, what: str) -> None:
    """Say (once, in the log) that an optional part of a page is missing: the field stays empty,
    the page is not rejected."""
    log.warning("%s: %s: %s", url or "(no url)", kind, what)


def fail(url: str, kind: str, reason: str) -> ParseError:
    """A one-line ParseError naming where and why."""
    reason = " ".join(str(reason).split())[:300]
    return ParseError(f"{url or '(no url)'}: not a usable {kind}: {reason}")


def as_bytes(body: Body) -> bytes:
    if isinstance(body, str):
        return body.encode("utf-8", "surrogatepass")
    if isinstance(body, (bytes, bytearray, memoryview)):
        return bytes(body)
    raise TypeError(f"body must be bytes or text, not {type(body).__name__}")


def check_challenge(raw: bytes, url: str, kind: str) -> None:
    """Raise if a body is a bot challenge rather than content, by the crawl's one rule
    (``spiders.challenge``; a parser knows no status or header, only the body)."""
    reason = challenge_reason(None, "", raw)
    if reason:
        raise fail(url, kind, f"bot-challenge page ({reason})")


# A declared character set: <meta charset="…">, or the http-equiv Content-Type meta.
_DECLARED_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]{2,40})""", re.I)
_HEAD_END = re.compile(rb"</head\s*>|<body[\s>]", re.I)
_BOMS = ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))


def html_encoding(raw: bytes) -> str:
    """The character set of an HTML page: its byte-order mark, else the charset its head declares
    (wherever in the head it sits: libxml2 only looks while it has met no other non-ASCII byte, so
    a curly apostrophe in a title before the declaration turns the whole page into Latin-1), else
    UTF-8 when the bytes are valid UTF-8, else Windows-1252 (what browsers assume)."""
    for bom, name in _BOMS:
        if raw.startswith(bom):
            return name
    end = _HEAD_END.search(raw, 0, 262_144)
    m = _DECLARED_CHARSET.search(raw, 0, end.start() if end else 262_144)
    declared = ""
    if m:
        try:
            declared = codecs.lookup(m.group(1).decode("ascii")).name
        except (LookupError, UnicodeDecodeError):
            declared = ""
    if declared in ("utf-8", "ascii") or (not declared and raw.isascii()):
        return "utf-8"
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        # Not UTF-8 at all: the declaration, or what browsers take for an undeclared page.
        return declared if declared and not declared.startswith("utf-16") else "cp1252"
    # Valid UTF-8 with a declaration of a single-byte set: the declaration is stale (a page
    # re-encoded by a proxy or an editor); text that happens to be valid UTF-8 is rare.
    return "utf-8"


@lru_cache(maxsize=16)
def _html_parser(encoding: str) -> lxml.etree.HTMLParser:
    return lxml.etree.HTMLParser(no_network=True, huge_tree=True, encoding=encoding)


def load_html(body: Body, url: str, kind: str) -> lxml.etree._Element:
    raw = as_bytes(body)
    if not raw or raw.isspace():
        raise fail(url, kind, "empty response")
    check_challenge(raw, url, kind)
    try:
        # Plain etree elements: lxml.html's per-element Python class lookup would cost more than
        # the extraction itself on pages of 50 000 elements.
        encoding = html_encoding(raw)
        if encoding == "utf-8":
            root = lxml.etree.fromstring(raw, _html_parser(encoding))
        else:  # decoded here: libxml2's own tables lack some of Python's codecs
            root = lxml.etree.fromstring(raw.decode(encoding, "replace"), _html_parser("utf-8"))
    except (lxml.etree.ParserError, ValueError) as e:
        raise fail(url, kind, f"not HTML ({e})") from None
    if root is None:
        raise fail(url, kind, "not HTML")
    return root


def load_xml(body: Body, url: str, kind: str) -> lxml.etree._Element:
    raw = as_bytes(body)
    if not raw or raw.isspace():
        raise fail(url, kind, "empty response")
    try:
        root = lxml.etree.fromstring(raw, _XML_PARSER)
    except lxml.etree.XMLSyntaxError as e:
        check_challenge(raw, url, kind)  # (an HTML challenge page, whatever was asked: said so)
        raise fail(url, kind, f"not well-formed XML ({e})") from None
    if isinstance(root.tag, str) and root.tag.rsplit("}", 1)[-1].lower() == "html":
        check_challenge(raw, url, kind)  # (one that happens to be well-formed)
    return root


def load_json(body: Body, url: str, kind: str) -> Any:
    raw = as_bytes(body)
    if not raw or raw.isspace():
        raise fail(url, kind, "empty response")
    try:
        return json.loads(raw)
    except (ValueError, RecursionError) as e:
        check_challenge(raw, url, kind)  # (an HTML challenge page, whatever was asked: said so)
        raise fail(url, kind, f"not JSON ({e})") from None


def clean(text: Any) -> str:
    """Whitespace-normalised text; None and non-text become ''."""
    if not isinstance(text, str):
        return ""
    return " ".join(text.replace("&#13;", " ").replace("\x00", "").split())


def text_of(element: Any) -> str:
    if element is None:
        return ""
    if isinstance(element, list):
        return " ".join(text_of(e) for e in element).strip()
    if isinstance(element, str):
        return clean(element)
    return block_text(element)


_DMY = re.compile(r"\b(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})\b")
_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})")


def parse_date(text: Any) -> date | None:
    """A date written 13/03/2024, 13.3.2024, 13-03-2024 or ISO 2024-03-13; None otherwise."""
    if not isinstance(text, str):
        return None
    if len(text) <= 40:  # a date cell or field: the same few hundred recur page after page
        # (as a plain str: an lxml "smart" string would keep its whole document alive in the cache)
        return _parse_short_date(str(text))
    return _parse_date(text)


def _parse_date(text: str) -> date | None:
    m = _ISO.search(text)
    try:
        if m:
            return date(int(m[1]), int(m[2]), int(m[3]))
        m = _DMY.search(text)
        if m:
            return date(int(m[3]), int(m[2]), int(m[1]))
    except ValueError:
        return None
    return None


_parse_short_date = lru_cache(maxsize=8192)(_parse_date)


def add_date(dates: dict[str, date], name: str, when: date | None) -> None:
    """Record a dated fact of a document: the first of a name as ``name`` (``transposition``),
    the next ones as ``name_2``, ``name_3``… (a directive with staggered transposition deadlines,
    an act that applies in stages). An end of validity in the year 9999 is no end: not recorded."""
    if when is None or (name == "end_of_validity" and when.year == 9999):
        return
    key, n = name, 1
    while key in dates:
        if dates[key] == when:
            return  # (the same fact twice)
        n += 1
        key = f"{name}_{n}"
    dates[key] = when


_TYPE_WORDS = {
    "framework decision": "decision",
    "ep legislative resolution": "resolution",
    "eesc opinion": "opinion",
    "cor opinion": "opinion",
    "council position": "position",
    "joint communication": "communication",
    "ep budget resolution": "resolution",
    "staff working document": "staff working document",
    "texts adopted": "text adopted",
}


def doc_type_from_words(words: str) -> str:
    """Map a source's word for a document type onto the model's DOCUMENT_TYPES."""
    w = clean(words).lower()
    if w in DOCUMENT_TYPES:
        return w
    if w in _TYPE_WORDS:
        return _TYPE_WORDS[w]
    for word, kind in _TYPE_PARTS:
        if word in w:
            return kind
    return "other"


# Words a longer name of a type contains, first match wins ("Proposal for a regulation" is a
# proposal; the EP's codes read as words: "Amendment list", "Document staff working").
_TYPE_PARTS = (
    ("proposal", "proposal"),
    ("staff working", "staff working document"),
    ("regulation", "regulation"),
    ("directive", "directive"),
    ("decision", "decision"),
    ("recommendation", "recommendation"),
    ("communication", "communication"),
    ("report", "report"),
    ("opinion", "opinion"),
    ("resolution", "resolution"),
    ("amendment", "amendments"),
    ("position", "position"),
    ("agreement", "agreement"),
    ("judgment", "judgment"),
)


def doc_type_from_celex(celex: str) -> str:
    try:
        c = parse_celex(celex)
    except ValueError:
        return "other"
    if c.sector == "5" and c.descriptor in PREPARATORY_TYPES:
        return doc_type_from_words(PREPARATORY_TYPES[c.descriptor])
    return doc_type_from_words(c.document_type)


def head_meta(root, names: tuple[str, ...] | None = None) -> dict[str, str]:
    """``<meta name|property=… content=…>`` of the page head, read once (not by XPath over the page).

    With ``names``, only those keys are kept and cleaned, and the walk stops once all are found
    (the first of each wins): EUR-Lex heads carry hundreds of ELI metas."""
    head = root.find("head")
    out: dict[str, str] = {}
    if head is None:
        return out
    wanted = None if names is None else set(names)
    for meta in head.iterfind("meta"):
        key = meta.get("name") or meta.get("property")
        if key and key not in out and (wanted is None or key in wanted):
            out[key] = clean(meta.get("content"))
            if wanted is not None and len(out) == len(wanted):
                break
    return out


def block_text(element) -> str:
    """The text of a large element (a full act), whitespace-normalised. The source's line breaks
    are layout, not paragraphs, so they are not kept."""
    if type(element) is _ELEMENT and not len(element):
        # A leaf (no child elements, comments or entities): its string value is its .text, and
        # splitting it in Python costs less than an XPath call, as long as it holds no white
        # space that str.split() and XPath see differently.
        text = element.text or ""
        if not _SPLIT_ONLY_WS.search(text):
            return " ".join(text.split())
    text = _NORMALIZE(element)  # libxml2 does it in C, five times faster than Python here
    if not isinstance(text, str):
        return ""
    # (No NUL to drop: libxml2's strings end at the first one.)
    if "\xa0" in text:  # XPath only knows ASCII white space
        # normalize-space left single spaces, so runs of spaces and no-break spaces can only
        # meet around the latter: cutting there and dropping the empty pieces collapses them,
        # a few hundred string operations instead of a regex over the whole act.
        text = " ".join([piece for piece in [piece.strip(" ") for piece in text.split("\xa0")] if piece])
    return text.strip()


_ELEMENT = lxml.etree._Element
# A plain str result: lxml's "smart" result strings cost a copy of a whole act's text.
_NORMALIZE = lxml.etree.XPath("normalize-space(.)", smart_strings=False)
# What str.split() takes for white space beyond the ASCII space, tab, CR, LF that normalize-space()
# collapses and the no-break space that block_text turns into a space (plus NUL, which it drops).
_SPLIT_ONLY_WS = re.compile(
    "[\\x00"
    + "".join(  # (Unicode has no white space above U+3000)
        f"\\u{c:04x}" for c in range(0x3001) if chr(c).isspace() and chr(c) not in " \t\n\r\xa0"
    )
    + "]"
)


# --------------------------------------------------------------------------- shared rules

# An act is done when it is signed or published in the Official Journal: every source says so
# in its own words ("Final act signed", "Signature by the President of the EP and by the
# President of the Council", SIGNATURE, "Publication in the Official Journal", PUB_OJ…).
_DONE = re.compile(r"official journal|\bsign(?:ed|ature)\b", re.I)
_NOT_DONE = re.compile(r"agreement|convention|protocol", re.I)  # signing a treaty is a step, not the end
_WITHDRAWN = re.compile(r"withdraw", re.I)
_LAPSED = re.compile(r"\blapse", re.I)
_REJECTED = re.compile(r"\breject", re.I)


_DATE = attrgetter("date")


@lru_cache(maxsize=4096)  # a few hundred event titles, met again in every procedure
def completes(title: str) -> bool:
    """Whether an event with this title ends a procedure (the act signed or published)."""
    return bool(_DONE.search(title)) and not _NOT_DONE.search(title)


def procedure_status(events: Sequence[Event], *, final_act: str | None = None, stated: str = "") -> str:
    """The one status rule of every parser: completed once the act is signed or published in the
    Official Journal (or the source names the final act); otherwise what the source states
    ("Procedure completed", "Procedure lapsed or withdrawn"…); otherwise what its latest event
    says (a withdrawal, a rejection); otherwise ongoing."""
    if final_act:
        return "completed"
    titles = [e.title for e in events if not e.forecast]
    if any(map(completes, titles)):  # (C-level loops: procedures have dozens of events)
        return "completed"
    words = stated.lower()
    if words:  # (most sources state nothing)
        if _WITHDRAWN.search(words) and _LAPSED.search(words):  # OEIL: "Procedure lapsed or withdrawn"
            return "withdrawn" if any(map(_WITHDRAWN.search, titles)) else "lapsed"
        for rule, status in ((_WITHDRAWN, "withdrawn"), (_LAPSED, "lapsed"), (_REJECTED, "rejected")):
            if rule.search(words):
                return status
        if "completed" in words or "concluded" in words:
            return "completed"
    past = [e for e in events if not e.forecast]
    if past:
        latest = max(past, key=_DATE).title
        for rule, status in ((_WITHDRAWN, "withdrawn"), (_LAPSED, "lapsed")):
            if rule.search(latest):
                return status
    return "ongoing"


_ACTORS = (
    ("official journal", "Publications Office of the European Union"),
    ("economic and social committee", "European Economic and Social Committee"),
    ("committee of the regions", "European Committee of the Regions"),
    ("central bank", "European Central Bank"),
    ("council", "Council of the European Union"),
    ("commission", "European Commission"),
    ("legislative proposal", "European Commission"),
    ("parliament", "European Parliament"),
    ("ep ", "European Parliament"),
    ("committee", "European Parliament"),
    ("plenary", "European Parliament"),
)
# A deadline for transposition falls on the Member States, whichever act (of the Parliament and
# of the Council) the wording names; a report on transposition is still its author's.
_TRANSPOSITION = re.compile(
    r"\b(?:deadline|time[ -]limit|date)\b[^()]{0,60}\btranspos|\btransposition deadline|\bto transpose\b"
    r"|\bnational (?:transposition )?measures\b",
    re.I,
)
# Dates an act sets for itself (it applies, it enters into force): no institution acts then,
# whichever institutions the act's name mentions.
_SET_BY_THE_ACT = re.compile(r"\b(?:applies|enters? into force|entry into force|date of application)\b", re.I)


@lru_cache(maxsize=1024)
def actor_from_title(title: str, default: str = "") -> str:
    """The institution (or the Member States) an event's wording names, for sources whose events
    do not say who acted; "" for a date the act sets for itself; ``default`` when the wording
    names no one (an OEIL forecast is the Parliament's planning: "Debate scheduled")."""
    if _TRANSPOSITION.search(title):
        return "Member States"
    low = f"{title.lower()} "
    found = next((actor for word, actor in _ACTORS if word in low), None)
    if _SET_BY_THE_ACT.search(title) and found != "Publications Office of the European Union":
        return ""
    return found or default


_COM = re.compile(r"\bCOM\s*[(/]\s*(\d{4})\s*[)/]\s*(\d{1,4})\b")


def com_proposal_celex(text: str) -> list[str]:
    """The CELEX numbers of the Commission proposals a text names: ``COM(2024)0469`` and
    ``COM/2024/469/FINAL`` are ``52024PC0469``."""
    return list(dict.fromkeys(f"5{m[1]}PC{int(m[2]):04d}" for m in _COM.finditer(text or "") if int(m[2])))


_ACT = re.compile(r"\b(Regulation|Directive|Decision)\b[^0-9]{0,40}?(\d{1,4})/(\d{1,4})\b")
_ACT_LETTER = {"regulation": "R", "directive": "L", "decision": "D"}


def act_celex(text: str) -> str | None:
    """The CELEX number of an act cited by name: ``Regulation 2025/0535`` (year first since
    2015) or ``Regulation (EU) No 1303/2013`` (number first before)."""
    m = _ACT.search(text or "")
    if not m:
        return None
    a, b = int(m[2]), int(m[3])
    year, number = (a, b) if 2015 <= a <= 2100 or not 1950 <= b <= 2100 else (b, a)
    if not 1950 <= year <= 2100 or not number:
        return None
    return f"3{year}{_ACT_LETTER[m[1].lower()]}{number:04d}"


_BLOCKS = frozenset(
    [
        "p",
        "div",
        "li",
        "ul",
        "ol",
        "dl",
        "dt",
        "dd",
        "tr",
        "td",
        "th",
        "table",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "section",
        "article",
        "header",
        "footer",
        "br",
        "blockquote",
    ]
)


def text_lines(element: Any) -> list[str]:
    """The text of an element cut into lines where its layout breaks them (``<br>``, blocks)."""
    out: list[str] = []
    parts: list[str] = []

    def flush() -> None:
        line = clean("".join(parts))
        if line:
            out.append(line)
        parts.clear()

    def walk(el: Any) -> None:
        if not isinstance(el.tag, str) or el.tag in ("script", "style"):
            parts.append(el.tail or "") if el is not element else None
            return
        block = el.tag in _BLOCKS
        if block:
            flush()
        parts.append(el.text or "")
        for child in el:
            walk(child)
        if block:
            flush()
        if el is not element:
            parts.append(el.tail or "")

    walk(element)
    flush()
    return out
