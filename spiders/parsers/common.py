"""Helpers shared by the parsers: safe loading of HTML/XML/JSON, text and date clean-up."""

from __future__ import annotations

import json
import re
from datetime import date
from functools import lru_cache
from typing import Any

import lxml.etree

from policytrack.identifiers import PREPARATORY_TYPES, parse_celex
from policytrack.model import DOCUMENT_TYPES

from ..errors import ParseError

Body = bytes | str

# Signatures of the bot-challenge / WAF pages some institutions serve instead of content.
_CHALLENGE_MARKERS = (
    "awswaf",
    "challenge-platform",
    "cf-browser-verification",
    "cf-challenge",
    "just a moment...",
    "attention required!",
    "please enable javascript to continue",
    "the requested url was rejected",
    "request rejected",
    "human verification",
    "captcha",
    "access denied",
)
_XML_PARSER = lxml.etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
_HTML_PARSER = lxml.etree.HTMLParser(no_network=True, huge_tree=True)


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


def check_challenge(head: bytes, url: str, kind: str) -> None:
    """Raise if a page looks like a bot challenge rather than content (challenges are small)."""
    if len(head) >= 20000:
        return
    sample = head[:6000].lower().decode("utf-8", "replace")
    for marker in _CHALLENGE_MARKERS:
        if marker in sample:
            raise fail(url, kind, f"bot-challenge page ({marker!r})")


def load_html(body: Body, url: str, kind: str) -> lxml.etree._Element:
    raw = as_bytes(body)
    if not raw or raw.isspace():
        raise fail(url, kind, "empty response")
    check_challenge(raw, url, kind)
    try:
        # Plain etree elements: lxml.html's per-element Python class lookup would cost more than
        # the extraction itself on pages of 50 000 elements.
        root = lxml.etree.fromstring(raw, _HTML_PARSER)
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
        return lxml.etree.fromstring(raw, _XML_PARSER)
    except lxml.etree.XMLSyntaxError as e:
        raise fail(url, kind, f"not well-formed XML ({e})") from None


def load_json(body: Body, url: str, kind: str) -> Any:
    raw = as_bytes(body)
    if not raw or raw.isspace():
        raise fail(url, kind, "empty response")
    try:
        return json.loads(raw)
    except (ValueError, RecursionError) as e:
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
    for t in (
        "proposal",
        "regulation",
        "directive",
        "decision",
        "recommendation",
        "communication",
        "report",
        "opinion",
        "resolution",
        "amendments",
        "position",
        "agreement",
        "judgment",
    ):
        if t in w:
            return t
    return "other"


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
