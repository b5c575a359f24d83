"""European Parliament web pages: press releases and plenary documents (doceo)."""

from __future__ import annotations

import re

import lxml.etree

from policytrack.errors import IdentifierError
from policytrack.identifiers import find_procedures, normalise_procedure
from policytrack.model import Document

from .common import Body, doc_type_from_words, fail, head_meta, load_html, parse_date, text_of

EP = "https://www.europarl.europa.eu"
_PRESS_ID = re.compile(r"/press-room/(\d{8}IPR\d{3,6})")
_DOCEO_ID = re.compile(r"/doceo/document/([A-Z]{1,4}-\d{1,2}-\d{4}-\d{4})_([A-Z]{2})\.html")
_SERIES = {"A": "report", "B": "resolution", "TA": "text adopted", "RC": "resolution", "AM": "amendments"}


def _meta(root, attribute: str, name: str) -> str:
    return head_meta(root, (name,)).get(name, "")


# "/descendant::x" rather than "//x": the same nodes, but libxml2 walks "//" as
# descendant-or-self::node()/child::x, visiting every node's children once more; "[1]" where
# only the first in document order is used.
_X_CANONICAL = lxml.etree.XPath('/descendant::link[@rel="canonical"]/@href')
_X_ARTICLE_H1 = lxml.etree.XPath("(/descendant::article/descendant::h1)[1]")
_X_H1 = lxml.etree.XPath("/descendant::h1[1]")
_X_ARTICLE_TIME = lxml.etree.XPath("(/descendant::article/descendant::time/@datetime)[1]")
_X_TIME = lxml.etree.XPath("/descendant::time[@datetime][1]/@datetime")
_X_REFERENCE_HREFS = lxml.etree.XPath('/descendant::a[contains(@href,"reference=")]/@href')
_X_ARTICLE = lxml.etree.XPath("/descendant::article[1]")
_X_PARAGRAPHS = lxml.etree.XPath("descendant::p")
_PRESS_META = ("og:url", "keywords", "description")


def parse_press_release(body: Body, url: str = "") -> list[Document]:
    """A press release page → one Document (type 'press release') linked to its procedure(s)."""
    kind = "EP press release"
    root = load_html(body, url, kind)
    meta = head_meta(root, _PRESS_META)
    canonical = meta.get("og:url", "") or (_X_CANONICAL(root) or [""])[0]
    m = _PRESS_ID.search(url or "") or _PRESS_ID.search(canonical)
    keywords = meta.get("keywords", "")
    if not m or ("PRESS_RELEASE" not in keywords and "press-room" not in (url or canonical)):
        raise fail(url, kind, "no press-room id (…/press-room/YYYYMMDDIPRnnnnn) in the URL or page")
    title = text_of(_X_ARTICLE_H1(root)) or text_of(_X_H1(root))
    if not title:
        raise fail(url, kind, "no headline")
    when = parse_date(next(iter(_X_ARTICLE_TIME(root) or _X_TIME(root)), ""))
    procedures: list[str] = []
    for href in _X_REFERENCE_HREFS(root):
        try:
            ref = normalise_procedure(href)
        except IdentifierError:
            continue
        if ref not in procedures:
            procedures.append(ref)
    article = _X_ARTICLE(root)
    paragraphs = [text_of(p) for p in (_X_PARAGRAPHS(article[0]) if article else [])]
    text = "\n\n".join(p for p in paragraphs if p)
    for ref in find_procedures(text):
        if ref not in procedures:
            procedures.append(ref)
    committees = [k.split(":", 1)[1] for k in keywords.split(",") if k.startswith("com:")]
    return [
        Document(
            id=f"press:{m.group(1)}",
            title=title,
            source="ep-press",
            url=url or canonical,
            doc_type="press release",
            procedure=procedures[0] if procedures else None,
            date=when,
            authors=("European Parliament", *committees),
            summary=meta.get("description", ""),
            text=text,
        )
    ]


def parse_document(body: Body, url: str = "") -> list[Document]:
    """A plenary document page (``/doceo/document/A-9-2024-0163_EN.html``) → one Document."""
    kind = "EP plenary document page"
    root = load_html(body, url, kind)
    canonical = (root.xpath('//link[@rel="canonical"]/@href') or [""])[0]
    m = _DOCEO_ID.search(url or "") or _DOCEO_ID.search(canonical)
    title = text_of(root.xpath('//h1[contains(@class,"es_title-h1")]')[:1])
    if not m or not title:
        raise fail(url, kind, "no doceo document id or title")
    identifier, language = m.group(1), m.group(2).lower()
    header = root.xpath('//h1[contains(@class,"es_title-h1")]/following-sibling::p[1]')
    header_text = text_of(header[:1])
    procs = find_procedures(header_text) or find_procedures(text_of(root.xpath('id("website-body")')[:1]))
    series = identifier.split("-", 1)[0]
    body_el = root.xpath('id("_section1")/ancestor::div[1]')
    text = text_of(body_el[:1]) if body_el else ""
    author = _meta(root, "name", "author")
    return [
        Document(
            id=f"ep:{identifier}",
            title=title,
            source="ep",
            url=url or canonical,
            doc_type=doc_type_from_words(_SERIES.get(series, "other")),
            procedure=procs[0] if procs else None,
            date=parse_date(header_text) or parse_date(_meta(root, "name", "available")),
            authors=tuple(a for a in ("European Parliament", author) if a),
            language=language if re.match(r"^[a-z]{2}$", language) else "en",
            text=text,
        )
    ]
