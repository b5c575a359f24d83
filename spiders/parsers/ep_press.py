"""European Parliament web pages: press releases and plenary documents (doceo)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import lxml.etree

from policytrack.errors import IdentifierError
from policytrack.identifiers import find_procedures, normalise_procedure
from policytrack.model import Document

from .common import (
    Body,
    clean,
    doc_type_from_words,
    fail,
    head_meta,
    load_html,
    parse_date,
    text_lines,
    text_of,
    warn,
)

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
_X_ARTICLE = lxml.etree.XPath("/descendant::article[1]")
_PRESS_META = ("og:url", "keywords", "description", "available")
_NESTED = frozenset(("p", "li", "ul", "ol", "h2", "h3", "h4", "table"))


def _reference_links(scope) -> list[str]:
    return [href for a in scope.iter("a") if "reference=" in (href := a.get("href") or "")]


def _article_text(article) -> str:
    """The release's paragraphs and list items (its highlights, its bullet points), in order;
    not the lists of links (share buttons, further information) nor the press contacts."""
    parts = []
    for el in article.iter("p", "li"):
        if el.tag == "li":
            # One look at what the item holds: a list or paragraphs of its own (read by
            # themselves), and the words of its links.
            linked: list[str] = []
            for d in el.iterdescendants():
                tag = d.tag
                if tag in _NESTED:
                    break
                if tag == "a":
                    linked.append(text_of(d))
            else:
                words = text_of(el)
                if words and (not linked or clean(" ".join(linked)) != words):
                    parts.append(words)
            continue
        words = text_of(el)
        if words:
            parts.append(words)
    return "\n\n".join(parts)


def parse_press_release(body: Body, url: str = "") -> list[Document]:
    """A press release page → one Document (type 'press release') linked to every procedure it names."""
    kind = "EP press release"
    root = load_html(body, url, kind)
    meta = head_meta(root, _PRESS_META)
    canonical = meta.get("og:url", "") or (_X_CANONICAL(root) or [""])[0]
    m = _PRESS_ID.search(url or "") or _PRESS_ID.search(canonical)
    keywords = meta.get("keywords", "")
    if not m:
        raise fail(url, kind, "no press-room id (…/press-room/YYYYMMDDIPRnnnnn) in the URL or page")
    headline = _X_ARTICLE_H1(root)
    # The page itself must say it is a press release (its product type, its own press-room
    # address, or an article with a headline): a block or error page served at a press-room
    # address says none of these.
    if "PRESS_RELEASE" not in keywords and not _PRESS_ID.search(canonical) and not headline:
        raise fail(url, kind, "the page does not say it is a press release (no product type, address or article)")
    title = text_of(headline) or text_of(_X_H1(root))
    if not title:
        raise fail(url, kind, "no headline")
    # The article's time, else the page's "available" meta (``18-07-2019``, on every layout).
    when = parse_date(next(iter(_X_ARTICLE_TIME(root) or _X_TIME(root)), "")) or parse_date(meta.get("available"))
    article = _X_ARTICLE(root)
    procedures: list[str] = []
    # The procedure files the release links (in its article: the page's menus link none).
    for href in _reference_links(article[0] if article else root):
        try:
            ref = normalise_procedure(href)
        except IdentifierError:
            continue
        if ref not in procedures:
            procedures.append(ref)
    text = _article_text(article[0]) if article else ""
    if not text:
        warn(url, kind, "no article text")
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
            procedures=tuple(procedures),
            date=when,
            authors=("European Parliament", *committees),
            summary=meta.get("description", ""),
            text=text,
        )
    ]


_X_TITLE_H1 = lxml.etree.XPath('/descendant::h1[contains(@class,"title")]')
_X_MAIN = lxml.etree.XPath('id("website-body")')
_BEHALF = re.compile(r"^on behalf of (?:the )?(.{1,200}?)(?: group)?$", re.I)
_RAPPORTEUR = re.compile(r"^(?:co-)?rapporteurs?\s*(?:for the opinion)?\s*:\s*(.+)$", re.I)
_SKIP_LINE = re.compile(
    r"^(?:pursuant to|replacing|to wind up|with request|further to|\(|[A-Z]{1,2}\d{1,2}[‑-]\d{4}/\d{4})", re.I
)
# Boxes of a doceo page that are not the document's text: the document's stages in plenary,
# the lists of links and downloads, the page's header.
_NOT_TEXT = re.compile("doceo-ring|links-list|dropdown|breadcrumb|es_header")


def _boxes(scope) -> Iterator:
    """The boxes of ``scope`` (by their classes; an XPath ``contains()`` on every element costs
    ten times more)."""
    for el in scope.iter("div", "ul", "header", "nav"):
        cls = el.get("class")
        if cls and _NOT_TEXT.search(cls):
            yield el


def _header_lines(h1) -> tuple[list, list[str]]:
    """The elements and lines between the title block and the document's first box: the
    committee, the rapporteur, or the motion's authors and the groups they act for."""
    block = h1.getparent()
    if block is None:
        return [], []
    elements = [block]
    lines: list[str] = []
    current = [block.tail or ""]

    def flush() -> None:
        line = clean("".join(current))
        if line:
            lines.append(line)
        current.clear()

    for sibling in block.itersiblings():
        if not isinstance(sibling.tag, str):
            current.append(sibling.tail or "")
            continue
        if sibling.tag == "div":
            break
        elements.append(sibling)
        if sibling.tag == "br":
            flush()
        elif sibling.tag in ("a", "span", "em", "b", "strong", "i"):
            current.append(text_of(sibling))
        else:
            flush()
            lines += text_lines(sibling)
        current.append(sibling.tail or "")
    flush()
    return elements, lines


def _named(name: str, line: str, known: dict[str, str]) -> bool:
    """Whether a name without a group after it is an author: one of a list of names, or one the
    page's author metadata gives (not a stray short line such as "Interim report")."""
    return "," in line or name.lower() in known


def _authors(lines: list[str], meta_author: str) -> list[str]:
    """One "Name (GROUP)" per person: the rapporteur(s), or each name of a motion followed by
    the group it is tabled on behalf of."""
    out: list[str] = []
    pending: list[str] = []
    pending_line = ""
    known = {n.lower(): n for n in (clean(p) for p in meta_author.split(",")) if n}

    def spelled(name: str) -> str:
        return known.get(name.lower(), name)

    for line in lines:
        behalf = _BEHALF.match(line) if line[:12].lower() == "on behalf of" else None
        rapporteur = _RAPPORTEUR.match(line)
        if behalf:
            group = behalf.group(1)
            if group.lower().startswith("committee"):
                out += [spelled(n) for n in pending] + [group]
            else:
                out += [f"{spelled(n)} ({group})" for n in pending]
            pending = []
        elif rapporteur:
            out += [spelled(clean(n)) for n in re.split(r",| and ", rapporteur.group(1)) if clean(n)]
        elif _SKIP_LINE.match(line) or line.lower().startswith(("committee on", "committee for")):
            continue
        elif "," in line or (line and line[0].isupper() and len(line.split()) <= 6):
            out += [spelled(n) for n in pending if _named(n, pending_line, known)]
            pending, pending_line = [clean(n) for n in line.split(",") if clean(n)], line
    out += [spelled(n) for n in pending if _named(n, pending_line, known)]
    if not out and meta_author:
        out = [n for n in known.values()]
    return list(dict.fromkeys(out))


def parse_document(body: Body, url: str = "") -> list[Document]:
    """A plenary document page (``/doceo/document/A-9-2024-0163_EN.html``) → one Document: its
    full text (recitals, numbered paragraphs, amendments), its authors with their groups."""
    kind = "EP plenary document page"
    root = load_html(body, url, kind)
    canonical = (_X_CANONICAL(root) or [""])[0]
    m = _DOCEO_ID.search(url or "") or _DOCEO_ID.search(canonical)
    h1s = _X_TITLE_H1(root) or _X_H1(root)
    title = text_of(h1s[:1])
    if not m or not title:
        raise fail(url, kind, "no doceo document id or title")
    identifier, language = m.group(1), m.group(2).lower()
    header = h1s[0].getnext()
    header_text = text_of(header) if header is not None and header.tag == "p" else ""
    header_elements, lines = _header_lines(h1s[0])
    main = _X_MAIN(root)
    scope = main[0] if main else root
    procs = find_procedures(header_text) or find_procedures(text_of(scope))
    # The paragraphs outside the header and the boxes (each box's paragraphs found from the box:
    # a few dozen, instead of walking up from each of the page's hundreds).
    boxed: set = set()
    for box in (*header_elements, *_boxes(scope)):
        boxed.update(box.iter("p"))
    paragraphs = []
    for p in scope.iter("p"):
        if p not in boxed:
            words = text_of(p)
            if words:
                paragraphs.append(words)
    if paragraphs and paragraphs[-1].startswith("Last updated"):
        paragraphs.pop()
    series = identifier.split("-", 1)[0]
    author = _meta(root, "name", "author")
    authors = _authors(lines, author)
    if not authors:
        warn(url, kind, "no authors in the header")
    return [
        Document(
            id=f"ep:{identifier}",
            title=title,
            source="ep",
            url=url or canonical,
            doc_type=doc_type_from_words(_SERIES.get(series, "other")),
            procedure=procs[0] if procs else None,
            procedures=tuple(procs),
            date=parse_date(header_text) or parse_date(_meta(root, "name", "available")),
            authors=tuple(authors),
            language=language if re.match(r"^[a-z]{2}$", language) else "en",
            text="\n\n".join(paragraphs),
        )
    ]
