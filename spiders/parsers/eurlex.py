"""EUR-Lex pages: document information / text pages (``legal-content``) and procedure pages."""

from __future__ import annotations

import contextlib
import re
from datetime import date
from functools import lru_cache
from urllib.parse import unquote

import lxml.etree

from policytrack.errors import IdentifierError
from policytrack.identifiers import (
    find_celex,
    is_celex,
    normalise_celex,
    normalise_procedure,
    parse_eli,
    parse_oj_reference,
)
from policytrack.model import Document, Event, KeyPlayer, Procedure

from .common import (
    Body,
    block_text,
    clean,
    doc_type_from_celex,
    doc_type_from_words,
    fail,
    head_meta,
    load_html,
    parse_date,
    text_of,
)

EURLEX = "https://eur-lex.europa.eu"
_EP_PUBLIC_REGISTER = re.compile(r"^P(\d{1,2})_([A-Z]{1,3})\((\d{4})\)(\d{4})$")


def ep_doc_id(reference: str) -> str | None:
    """``P9_A(2021)0270`` (EP public register, as EUR-Lex writes it) → ``ep:A-9-2021-0270``."""
    m = _EP_PUBLIC_REGISTER.match(clean(reference))
    if not m:
        return None
    term, series, year, number = m.groups()
    return f"ep:{'TA' if series == 'TA' else series}-{int(term)}-{year}-{number}"


def document_url(celex: str) -> str:
    return f"{EURLEX}/legal-content/EN/ALL/?uri=CELEX:{celex}"


def procedure_url(reference: str) -> str:
    year, rest = reference.split("/", 1)
    return f"{EURLEX}/procedure/EN/{year}_{int(rest[:4])}"


def _meta(root, name: str) -> str:
    return head_meta(root, (name,)).get(name, "")


_X_DTS = lxml.etree.XPath("//dl/dt")
_X_H1 = lxml.etree.XPath("/descendant::h1[1]")
_X_LIS = lxml.etree.XPath(".//li")


def _document_head(root) -> tuple[dict[str, str], list[str | None]]:
    """The WT.z_docID / WT.z_docTitle metas and the ``about`` of every eli:LegalResource meta,
    in one walk over a head that holds hundreds of metas (what ``head_meta`` would find)."""
    head = root.find("head")
    meta: dict[str, str] = {}
    abouts: list[str | None] = []
    for m in head.iterfind("meta") if head is not None else ():
        key = m.get("name") or m.get("property")
        if (key == "WT.z_docID" or key == "WT.z_docTitle") and key not in meta:
            meta[key] = clean(m.get("content"))
        if m.get("typeof") == "eli:LegalResource":
            abouts.append(m.get("about"))
    return meta, abouts


def _definitions(root) -> list[tuple[str, object]]:
    """(label, dd element) pairs of the page's metadata lists, in order."""
    out = []
    for dt in _X_DTS(root):
        dd = dt.getnext()
        if dd is not None and dd.tag == "dd":
            out.append((text_of(dt).rstrip(":").strip(), dd))
    return out


# id() is a hash lookup in libxml2's HTML documents; //*[@id=…] would scan the whole page.
_X_DOC_PARTS = lxml.etree.XPath('id("PP1Contents") | id("document1") | id("text") | id("TexteOnly") | id("title")')


def parse_document(body: Body, url: str = "") -> list[Document]:
    """A ``legal-content/EN/ALL|TXT/?uri=CELEX:…`` page → one Document."""
    kind = "EUR-Lex document page"
    root = load_html(body, url, kind)
    meta, eli_abouts = _document_head(root)
    doc_ref, title = meta.get("WT.z_docID", ""), meta.get("WT.z_docTitle", "")
    parts: dict[str, object] = {}
    for element in _X_DOC_PARTS(root):
        parts.setdefault(element.get("id"), element)
    if not doc_ref or not ("PP1Contents" in parts or "document1" in parts):
        raise fail(url, kind, "no EUR-Lex document metadata (WT.z_docID / PP1Contents)")
    celex = normalise_celex(doc_ref) if is_celex(doc_ref) else None
    if celex is None:
        from_url = find_celex(unquote(url))
        celex = from_url[0] if from_url else None
    item_id = f"celex:{celex}" if celex else ep_doc_id(doc_ref)
    if item_id is None:
        raise fail(url, kind, f"document reference {doc_ref[:60]!r} is neither a CELEX number nor an EP reference")
    if not title:
        title = text_of(parts.get("title")) or text_of(_X_H1(root))
    eli = None
    for about in eli_abouts:
        try:
            eli = str(parse_eli(about or ""))
            break
        except IdentifierError:
            continue
    date_doc, authors, eurovoc = None, [], []
    # None marks a label seen with an unreadable date: setdefault keeps later labels from filling it.
    dates: dict[str, date | None] = {}
    doc_type = doc_type_from_celex(celex) if celex else "other"
    procedure = None
    deadlines = 0
    for label, dd in _definitions(root):
        value = text_of(dd)
        low = label.lower()
        if low == "date of document":
            date_doc = parse_date(value)
        elif low == "date of effect":
            # "17/01/2018; Entry into force Date pub. +20 See Art 48" or "…; Application See Art 39"
            name = (
                "entry_into_force"
                if "entry into force" in value.lower()
                else "application"
                if "application" in value.lower()
                else "effect"
            )
            dates.setdefault(name, parse_date(value))
        elif low == "date of transposition":
            dates.setdefault("transposition", parse_date(value))
        elif low == "deadline":
            deadlines += 1
            dates["deadline" if deadlines == 1 else f"deadline_{deadlines}"] = parse_date(value)
        elif low == "date of signature":
            dates["signature"] = parse_date(value)
        elif low == "author":
            authors = [a.strip() for a in value.split(",")]
        elif low == "form":
            if not celex or doc_type == "other":
                doc_type = doc_type_from_words(value)
        elif low == "procedure number":
            try:
                procedure = normalise_procedure(value.split()[0]) if value else None
            except IdentifierError:
                procedure = None
        elif low.startswith("eurovoc"):
            eurovoc = [text_of(li) for li in _X_LIS(dd)] or [value]
    header = text_of(parts.get("PP1Contents"))
    with contextlib.suppress(IdentifierError):
        dates["publication"] = parse_oj_reference(header).date
    text_el = parts.get("text") if parts.get("text") is not None else parts.get("TexteOnly")
    text = block_text(text_el) if text_el is not None else ""
    return [
        Document(
            id=item_id,
            title=title,
            source="eurlex",
            url=url or (document_url(celex) if celex else ""),
            doc_type=doc_type,
            celex=celex,
            eli=eli,
            procedure=procedure,
            date=date_doc,
            dates={name: when for name, when in dates.items() if when is not None},
            authors=tuple(authors),
            eurovoc=tuple(eurovoc),
            text=text,
        )
    ]


_COMPLETED = re.compile(r"publication in the official journal|signature by the president|final act", re.I)
_WITHDRAWN = re.compile(r"withdraw", re.I)


_LINKED = re.compile(r"uri=(?:celex:([0-9CE]\d{4}[A-Z]{1,2}\d{1,6})|EP:(P\d{1,2}_[A-Z]{1,3}\(\d{4}\)\d{4}))", re.I)
# "descendant::x[…]" rather than ".//x[…]": the same nodes, but libxml2 walks "//" as
# descendant-or-self::node()/child::x, visiting every node's children list once more.
_X_HREFS = lxml.etree.XPath("descendant::a/@href")
_X_MAIN = lxml.etree.XPath('id("MainContent")')
_X_ACTOR = lxml.etree.XPath('descendant::h3[not(contains(@class,"pdfOnly"))][1]')
_X_DATE_CELL = lxml.etree.XPath('div[contains(@class,"eventDate")][1]')
# The first VMIMore element inside the row's first eventTitle cell.
_X_ROW_TITLE = lxml.etree.XPath('div[contains(@class,"eventTitle")][1]/descendant::*[contains(@class,"VMIMore")][1]')
_X_REF = lxml.etree.XPath('id("MainContent")/descendant::p[contains(@class,"DocumentTitle")][1]')
_X_PLAYERS = lxml.etree.XPath(
    'descendant::dt[normalize-space()="Parliamentary committee responsible" or normalize-space()="Leading service:"'
    ' or normalize-space()="Leading person:"]/following-sibling::dd[1]'
)
_X_EUROVOC = lxml.etree.XPath('id("eurovocProc")/descendant::a')


@lru_cache(maxsize=4096)
def _linked_id(celex: str | None, ep: str | None) -> str | None:
    """The item id of one linked CELEX number or EP reference (the same few recur on every page)."""
    if celex and is_celex(celex) and not celex.startswith("1"):  # skip Treaty articles (legal bases)
        return f"celex:{normalise_celex(celex)}"
    if ep:
        return ep_doc_id(ep)
    return None


def _linked_documents(element) -> list[str]:
    hrefs = _X_HREFS(element)
    if not hrefs:
        return []
    out = []
    for m in _LINKED.finditer(unquote(" ".join(hrefs))):
        linked = _linked_id(m.group(1), m.group(2))
        if linked:
            out.append(linked)
    return out


def parse_procedure(body: Body, url: str = "") -> list[Procedure]:
    """A ``procedure/EN/2021_106`` page → one Procedure with its timeline."""
    kind = "EUR-Lex procedure page"
    root = load_html(body, url, kind)
    ref_text = text_of(_X_REF(root))
    # The timeline's blocks and rows: lxml picks out the divs in C and the class test is a
    # Python substring test, cheaper than an XPath predicate on every node.
    blocks = [
        div
        for main in _X_MAIN(root)
        for div in main.iterdescendants("div")
        if "cd-timeline__content" in (div.get("class") or "")
    ]
    if not ref_text or not blocks:
        raise fail(url, kind, "no procedure reference or timeline (DocumentTitle / cd-timeline)")
    try:
        reference = normalise_procedure(ref_text)
    except IdentifierError as e:
        raise fail(url, kind, str(e)) from None
    title = _meta(root, "WT.z_docTitle") or f"Procedure {reference}"
    events: list[Event] = []
    documents: list[str] = []
    key_players: list[KeyPlayer] = []
    final_act = None
    base = procedure_url(reference)
    for block in blocks:
        actor = text_of(_X_ACTOR(block))
        for row in [div for div in block.iterdescendants("div") if " eventRow " in f" {div.get('class') or ''} "]:
            when = parse_date(text_of(_X_DATE_CELL(row)))
            what = text_of(_X_ROW_TITLE(row))
            if when is None or not what:
                continue
            details = row.getnext()
            linked = _linked_documents(row)
            if details is not None and "eventRow" not in (details.get("class") or ""):
                linked += _linked_documents(details)
                key_players += [KeyPlayer(role="other", name=text_of(dd)) for dd in _X_PLAYERS(details) if text_of(dd)]
            for doc in linked:
                if doc.startswith("celex:3") and _COMPLETED.search(what):
                    final_act = doc[6:]
            events.append(
                Event(
                    date=when,
                    title=what,
                    actor=actor,
                    documents=tuple(linked),
                    url=f"{base}#{row.get('id')}" if row.get("id") else base,
                )
            )
            documents += linked
    if not events:
        raise fail(url, kind, "timeline has no dated events")
    eurovoc = [text_of(a) for a in _X_EUROVOC(root)]
    latest = max(events, key=lambda e: e.date)
    if final_act or any(_COMPLETED.search(e.title) for e in events):
        status = "completed"
    elif _WITHDRAWN.search(latest.title):
        status = "withdrawn"
    else:
        status = "ongoing"
    return [
        Procedure(
            id=f"proc:{reference}",
            reference=reference,
            title=title,
            source="eurlex",
            url=url or procedure_url(reference),
            stage=latest.title,
            status=status,
            events=tuple(events),
            documents=tuple(documents),
            final_act=final_act,
            key_players=tuple(key_players),
            eurovoc=tuple(eurovoc),
        )
    ]
