"""Legislative Observatory (OEIL): procedure files and document summaries.

OEIL changed its markup twice in 2024–2025 (``ep_`` class prefixes and ``div`` tables until
2024, ``erpl_`` prefixes from late 2024 to spring 2025, ``es_`` since), and keeps the same
words throughout. So a procedure file is read by what it says, in one walk over the page:

* a section starts at a heading whose text is a section name ("Key events", "Key players"…),
  wherever it sits and whatever its tag (links, menus and buttons that repeat the names are
  not headings);
* a row is a table row (``tr``) or a ``div`` row of a ``div`` table, its cells the ``td``/``th``
  or ``…table-cell`` children;
* a row of "Key events" is an event when its first cell is a date; a row of "Key players" is a
  committee, a Commission DG or a Council configuration according to the column heading above
  it ("Committee responsible", "Committee for opinion", "Commission DG"…);
* "Subject", "Geographical area" and "Status" are labels whose values follow them.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import parse_qs, urlparse

import lxml.etree

from policytrack.errors import IdentifierError
from policytrack.identifiers import find_celex, normalise_procedure
from policytrack.model import Document, Event, Procedure

from .common import (
    Body,
    act_celex,
    actor_from_title,
    clean,
    com_proposal_celex,
    fail,
    load_html,
    parse_date,
    procedure_status,
    text_lines,
    text_of,
    warn,
)
from .oeil_players import KeyPlayers

# OEIL's one address, for the spider's requests and the items' URLs: it left
# oeil.secure.europarl.europa.eu in December 2025 (tests/fixtures/real/SOURCES.md, facts).
OEIL = "https://oeil.europarl.europa.eu/oeil/en"
_DOCEO = re.compile(r"/doceo/document/([A-Z]{1,4})-(\d{1,2})-(\d{4})-(\d{4})_")
_SUMMARY_ID = re.compile(r"(?:document-summary\?id=|summary\.do\?id=)(\d+)")
_NUMDOC = re.compile(r"numdoc=([0-9CE]\d{4}[A-Z]{1,2}\d{1,6})")
_REFERENCE = re.compile(r"^\d{4}/\d{4}\([A-Z]{3}\)$")
_TITLE_REFERENCE = re.compile(r"\b(\d{4}/\d{4}\([A-Z]{3}\))")
# A link of the final act: to EUR-Lex (the act, its Official Journal) or to the act's summary.
_ACT_LINK = re.compile(r"eur-lex|celex|numdoc=|document-summary|summary\.do", re.I)

SECTIONS = (
    "basic information",
    "key players",
    "key events",
    "technical information",
    "documentation gateway",
    "final act",
    "forecasts",
    "transparency",
)
# Sections whose rows are read whole (their cells) or not at all (the documentation gateway's
# and the transparency section's tables), never element by element.
_READ_BY_ROWS = frozenset(
    ["key events", "forecasts", "key players", "technical information", "documentation gateway", "transparency"]
)
_LABELS = ("subject", "subjects", "geographical area", "geographical areas", "status", "legislative priorities")
# Text inside these is navigation, a link or a control, never a heading or a label.
_NOT_CONTENT = frozenset(
    [
        "a",
        "option",
        "select",
        "button",
        "nav",
        "script",
        "style",
        "title",
        "svg",
        "head",
        "label",
        "noscript",
        "template",
    ]
)


def procedure_url(reference: str) -> str:
    """The procedure file's address (also the item's, whatever address the page was read from:
    the old host, the old ``popups/ficheprocedure.do`` address)."""
    return f"{OEIL}/procedure-file?reference={reference}"


def summary_url(summary_id: str) -> str:
    return f"{OEIL}/document-summary?id={summary_id}"


# The elements the walk looks at (lxml picks them out in C): rows, links, and what can hold a
# heading, a label or a title.
_WALKED = tuple(
    [
        "tr",
        "div",
        "a",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "span",
        "p",
        "strong",
        "b",
        "em",
        "dt",
        "th",
        "td",
        "li",
        "abbr",
    ]
)


def _own_text(element) -> str:
    """The element's own words: its text and its children's tails, not its children's text.
    (A wrapper of many children is never a heading, a label or a title: its tails, white space
    between tags, are not read.)"""
    text = element.text or ""
    if 0 < len(element) <= 4:
        text += "".join([child.tail or "" for child in element])
    return " ".join(text.split()) if text and not text.isspace() else ""


_X_WEBSITE_BODY = lxml.etree.XPath('id("website-body")')


def _main(root):
    """The page's main content (``<main>``, or the element the page marks as its body): the
    walk skips the site's header, menus and footer."""
    main = next(root.iterdescendants("main"), None)
    if main is None:
        found = _X_WEBSITE_BODY(root)
        main = found[0] if found else root
    return main


def _is_content(element, *, outside_rows: bool = False) -> bool:
    """Whether the element is page content rather than a link, a control or navigation (and,
    with ``outside_rows``, not inside a table row)."""
    if element.tag in _NOT_CONTENT:
        return False
    for ancestor in element.iterancestors():
        if ancestor.tag in _NOT_CONTENT or (outside_rows and (ancestor.tag in ("tr", "td", "th") or _is_row(ancestor))):
            return False
    return True


def _row_cells(row) -> list:
    if row.tag == "tr":
        return [c for c in row if c.tag in ("td", "th")]
    return [
        c
        for c in row
        if isinstance(c.tag, str)
        and (
            "table-cell" in (c.get("class") or "") or c.get("role") in ("cell", "gridcell", "rowheader", "columnheader")
        )
    ]


def _is_row(element) -> bool:
    if element.tag == "tr":
        return True
    if element.tag != "div":
        return False
    cls = element.get("class")
    if cls and "table-row" in cls:
        return any(token.endswith("table-row") for token in cls.split())
    return element.get("role") == "row"


@lru_cache(maxsize=4096)
def _numdoc_celex(numdoc: str) -> str | None:
    """The CELEX number a ``numdoc=`` link names, if it is one (the same few recur on every page)."""
    celex = find_celex(f"CELEX:{numdoc}")
    return celex[0] if celex else None


def _linked(element) -> list[str]:
    """Ids of the documents a cell links to: EP documents, CELEX numbers, OEIL summaries (from a
    link, or a button's ``onclick`` in the 2024 layout)."""
    out = []
    for el in element.iter("a", "button"):
        target = el.get("href") or el.get("onclick") or ""
        m = _DOCEO.search(target)
        if m:
            out.append(f"ep:{m[1]}-{m[2]}-{m[3]}-{m[4]}")
            continue
        m = _NUMDOC.search(target)
        celex = _numdoc_celex(m[1]) if m else None
        if celex:
            out.append(f"celex:{celex}")
            continue
        m = _SUMMARY_ID.search(target)
        if m:
            out.append(f"oeil-summary:{m[1]}")
    return out


def _lines_after(label) -> list[str]:
    """The values written after a label, up to the next label: in the label's own block after it
    (``<strong>Subject</strong><br/>3.70 Climate<br/>…``) or in the blocks that follow it
    (``<p>Subject</p><p>3.70 Climate<br/>…</p>``)."""
    lines: list[str] = []
    current = [label.tail or ""]

    def flush() -> None:
        line = clean("".join(current))
        if line:
            lines.append(line)
        current.clear()

    for sibling in label.itersiblings():
        if not isinstance(sibling.tag, str):
            current.append(sibling.tail or "")
            continue
        if _own_text(sibling).lower() in _LABELS:
            break
        if sibling.tag == "br":
            flush()
        elif sibling.tag in ("span", "a", "em", "i", "b", "abbr"):
            current.append(text_of(sibling) + " ")
        else:
            flush()
            lines += text_lines(sibling)
        current.append(sibling.tail or "")
    flush()
    if not lines:
        parent = label.getparent()
        if parent is not None and parent.tag not in ("body", "html") and text_of(parent) == text_of(label):
            return _lines_after(parent)
    return lines


def parse_procedure(body: Body, url: str = "") -> list[Procedure]:
    """An OEIL procedure file → one Procedure (key players, key events, forecasts, final act,
    subjects, geographical areas)."""
    kind = "OEIL procedure file"
    root = load_html(body, url, kind)
    section = ""
    seen_sections: set[str] = set()
    ref_element = title = None
    rows: list[tuple] = []
    documents: list[str] = []
    players = KeyPlayers()
    labels: dict[str, list[str]] = {}
    technical: dict[str, str] = {}
    final_links: list[str] = []
    final_words: list[str] = []
    walker = lxml.etree.iterwalk(_main(root), events=("start",), tag=_WALKED)
    for _, el in walker:
        tag = el.tag
        if (tag == "tr" or tag == "div") and _is_row(el):
            cells = _row_cells(el)
            if cells:
                _row(section, cells, rows, documents, players, technical)
                if section in _READ_BY_ROWS:
                    # Its cells are read: the walk goes on after the row (most of a page's
                    # elements sit in the rows of its tables).
                    walker.skip_subtree()
            continue
        if tag == "a":
            if section == "final act" and _ACT_LINK.search(el.get("href") or ""):
                final_links.append(el.get("href"))
                final_words.append(text_of(el))
            continue
        text, children = el.text, len(el)
        if (not children or children > 4) and (text is None or text.isspace()):
            # (most elements: spacers, and wrappers of many children, whose own words are only
            # their text: decided without a call)
            continue
        own = _own_text(el)
        if not own or len(own) > 1000:
            continue
        low = own.lower()
        if low in SECTIONS and _is_content(el):
            section = low
            seen_sections.add(low)
        elif ref_element is None and _REFERENCE.match(own) and _is_content(el, outside_rows=True):
            ref_element = el
        elif ref_element is not None and title is None and not section and _is_content(el, outside_rows=True):
            title = own
        elif section == "basic information" and low in _LABELS and low not in labels and _is_content(el):
            labels[low] = _lines_after(el)
    reference = _reference(root, ref_element, technical, url)
    if reference is None or "key events" not in seen_sections:
        raise fail(url, kind, "no procedure reference or 'Key events' section")
    if not rows:
        raise fail(url, kind, "'Key events' has no dated events")
    event_url = procedure_url(reference)
    events = [
        Event(
            date=when,
            title=what,
            actor=actor_from_title(what, "European Parliament" if forecast else ""),
            documents=linked,
            url="" if forecast else event_url,
            forecast=forecast,
        )
        for when, what, linked, forecast in rows
    ]
    final_act = None
    for href, words in zip(final_links, final_words):
        m = _NUMDOC.search(href)
        celex = (_numdoc_celex(m[1]) if m else None) or next(iter(find_celex(href)), None) or act_celex(words)
        if celex:
            documents.append(f"celex:{celex}")
            final_act = final_act or (celex if celex.startswith("3") else None)
    documents += [d for href in final_links for d in _linked_href(href)]
    stage = technical.get("stage reached in procedure", "")
    stated = " ".join(labels.get("status", [])) or stage
    if not title:
        warn(url, kind, "no title under the procedure reference")
    subjects = labels.get("subject") or labels.get("subjects") or []
    geo = labels.get("geographical area") or labels.get("geographical areas") or []
    if not subjects:
        warn(url, kind, "no 'Subject' in 'Basic information'")
    return [
        Procedure(
            id=f"proc:{reference}",
            reference=reference,
            title=title or f"Procedure {reference}",
            source="oeil",
            url=event_url,
            stage=stage or stated,
            status=procedure_status(events, final_act=final_act, stated=stated),
            events=tuple(events),
            documents=tuple(documents),
            final_act=final_act,
            key_players=tuple(players.players),
            subjects=tuple(subjects),
            geo_areas=tuple(geo),
        )
    ]


def _linked_href(href: str) -> list[str]:
    m = _SUMMARY_ID.search(href)
    return [f"oeil-summary:{m[1]}"] if m else []


def _reference(root, ref_element, technical: dict[str, str], url: str) -> str | None:
    """The procedure reference: the page's heading, else its technical information, else its
    <title>, else the URL's ``reference=``."""

    def page_title() -> str:
        head = root.find("head")
        found = _TITLE_REFERENCE.search(text_of(head.find("title")) if head is not None else "")
        return found.group(1) if found else ""

    candidates = (
        lambda: text_of(ref_element) if ref_element is not None else "",
        lambda: technical.get("procedure reference", ""),
        page_title,
        lambda: url if "reference=" in url else "",
    )
    for candidate in candidates:
        text = candidate()
        if not text:
            continue
        try:
            return normalise_procedure(text)
        except IdentifierError:
            continue
    return None


def _row(
    section: str, cells: list, rows: list, documents: list[str], players: KeyPlayers, technical: dict[str, str]
) -> None:
    if section == "key players":
        players.row(cells)
    elif section in ("key events", "forecasts") and len(cells) >= 2:
        when, what = parse_date(text_of(cells[0])), text_of(cells[1])
        if when is None or not what:
            return
        forecast = section == "forecasts"
        linked: list[str] = []
        for cell in cells[2:]:
            linked += _linked(cell)
        if not forecast and "proposal" in what.lower():
            linked += [f"celex:{c}" for c in com_proposal_celex(" ".join(text_of(c) for c in cells[2:]))]
        rows.append((when, what, tuple(dict.fromkeys(linked)), forecast))
        documents += linked
    elif section == "technical information" and len(cells) >= 2:
        technical.setdefault(text_of(cells[0]).lower().rstrip(":"), text_of(cells[1]))


_X_SHARED = lxml.etree.XPath('/descendant::a[contains(@href,"document-summary?id")]/@href')
_X_FIRST_TIME = lxml.etree.XPath("descendant::time[1]")
_X_PARAGRAPHS = lxml.etree.XPath("descendant::p")


def parse_summary(body: Body, url: str = "") -> list[Document]:
    """An OEIL document summary → one Document of type 'summary' linked to its procedure.

    The page's three parts (title, the subtitle with the procedure and date, the text) carry
    ``…product-title``, ``…product-subtitle`` and ``…product-content`` classes in every layout,
    whatever their prefix (``ep_``, ``erpl_``, ``es_``)."""
    kind = "OEIL document summary"
    root = load_html(body, url, kind)
    title_el, subtitle, content = None, [], []
    for element in root.iter("h1", "h2", "div", "section"):
        cls = element.get("class")
        if not cls or "product-" not in cls:
            continue
        if "product-title" in cls:
            if title_el is None:
                title_el = element
        elif "product-subtitle" in cls:
            subtitle.append(element)
        elif "product-content" in cls:
            content.append(element)
    if title_el is None or not content:
        # Another markup (the classes renamed, as the procedure files' were twice): the main
        # content's heading, the block of its first date, its paragraphs.
        main = _main(root)
        title_el = title_el if title_el is not None else next(main.iter("h1"), None)
        if not subtitle:
            # the block around the first date that also names the procedure
            first_time = _X_FIRST_TIME(main)
            for block in first_time[0].iterancestors() if first_time else ():
                if _TITLE_REFERENCE.search(text_of(block)) or block is main:
                    subtitle = [block]
                    break
        content = content or ([main] if _X_PARAGRAPHS(main) else [])
        if title_el is not None and content:
            warn(url, kind, "no product-title / product-content classes: parts found by the page's structure")
    title = text_of(title_el)
    if not title or not content:
        raise fail(url, kind, "no summary title or content")
    summary_id = (parse_qs(urlparse(url).query).get("id") or [""])[0]
    if not summary_id.isdigit():
        shared = _X_SHARED(root)
        m = re.search(r"document-summary\?id(?:=|%3D)(\d+)", shared[0]) if shared else None
        summary_id = m.group(1) if m else ""
    if not summary_id:
        raise fail(url, kind, "no summary id in the URL or the page")
    reference, when = None, None
    if subtitle:
        for span in subtitle[0].iter("span", "a"):
            try:
                reference = normalise_procedure(text_of(span))
                break
            except IdentifierError:
                continue
        when = parse_date(text_of(_X_FIRST_TIME(subtitle[0]))) or parse_date(text_of(subtitle[0]))
    else:
        warn(url, kind, "no subtitle (procedure and date)")
    if reference is None:
        found = _TITLE_REFERENCE.search(text_of(subtitle[0]) if subtitle else "")
        reference = found.group(1) if found else None
    paragraphs = [text_of(p) for p in _X_PARAGRAPHS(content[0])]
    text = "\n\n".join(p for p in paragraphs if p) or text_of(content[0])
    return [
        Document(
            id=f"oeil-summary:{summary_id}",
            title=title,
            source="oeil",
            url=summary_url(summary_id),
            doc_type="summary",
            procedure=reference,
            date=when,
            summary=clean(text)[:1000],
            text=text,
        )
    ]
