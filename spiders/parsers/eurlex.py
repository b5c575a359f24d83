"""EUR-Lex pages: document information / text pages (``legal-content``) and procedure pages."""

from __future__ import annotations

import re
from urllib.parse import unquote

from policytrack.errors import IdentifierError
from policytrack.identifiers import find_celex, is_celex, normalise_celex, normalise_procedure, parse_eli, parse_oj_reference
from policytrack.model import Document, Event, Procedure

from .common import Body, clean, doc_type_from_celex, doc_type_from_words, fail, load_html, parse_date, text_of

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
    values = root.xpath(f'//meta[@name="{name}"]/@content')
    return clean(values[0]) if values else ""


def _definitions(root) -> list[tuple[str, object]]:
    """(label, dd element) pairs of the page's metadata lists, in order."""
    out = []
    for dt in root.xpath("//dl/dt"):
        dd = dt.getnext()
        if dd is not None and dd.tag == "dd":
            out.append((text_of(dt).rstrip(":").strip(), dd))
    return out


def parse_document(body: Body, url: str = "") -> list[Document]:
    """A ``legal-content/EN/ALL|TXT/?uri=CELEX:…`` page → one Document."""
    kind = "EUR-Lex document page"
    root = load_html(body, url, kind)
    doc_ref = _meta(root, "WT.z_docID")
    title = _meta(root, "WT.z_docTitle")
    if not doc_ref or not root.xpath('//*[@id="PP1Contents" or @id="document1"]'):
        raise fail(url, kind, "no EUR-Lex document metadata (WT.z_docID / PP1Contents)")
    celex = normalise_celex(doc_ref) if is_celex(doc_ref) else None
    if celex is None:
        from_url = find_celex(unquote(url))
        celex = from_url[0] if from_url else None
    item_id = f"celex:{celex}" if celex else ep_doc_id(doc_ref)
    if item_id is None:
        raise fail(url, kind, f"document reference {doc_ref[:60]!r} is neither a CELEX number nor an EP reference")
    if not title:
        title = text_of(root.xpath('//*[@id="title"]')[:1]) or text_of(root.xpath("//h1")[:1])
    eli = None
    for about in root.xpath('//meta[@typeof="eli:LegalResource"]/@about'):
        try:
            eli = str(parse_eli(about))
            break
        except IdentifierError:
            continue
    date_doc, dates, authors, eurovoc = None, {}, [], []
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
            name = "entry_into_force" if "entry into force" in value.lower() else \
                "application" if "application" in value.lower() else "effect"
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
            eurovoc = [text_of(li) for li in dd.xpath(".//li")] or [value]
    header = text_of(root.xpath('//*[@id="PP1Contents"]')[:1])
    try:
        dates["publication"] = parse_oj_reference(header).date
    except IdentifierError:
        pass
    text_el = root.xpath('//*[@id="text"]') or root.xpath('//*[@id="TexteOnly"]')
    text = "\n".join(clean(t) for t in text_el[0].itertext() if clean(t)) if text_el else ""
    return [Document(
        id=item_id, title=title, source="eurlex", url=url or (document_url(celex) if celex else ""),
        doc_type=doc_type, celex=celex, eli=eli, procedure=procedure, date=date_doc, dates=dates,
        authors=authors, eurovoc=eurovoc, text=text,
    )]


_COMPLETED = re.compile(r"publication in the official journal|signature by the president|final act", re.I)
_WITHDRAWN = re.compile(r"withdraw", re.I)


def _linked_documents(element) -> list[str]:
    out = []
    for href in element.xpath(".//a/@href"):
        target = unquote(href)
        m = re.search(r"uri=celex:([0-9CE]\d{4}[A-Z]{1,2}\d{1,6})", target, re.I)
        if m and is_celex(m.group(1)) and not m.group(1).startswith("1"):  # skip Treaty articles
            out.append(f"celex:{normalise_celex(m.group(1))}")
            continue
        m = re.search(r"uri=EP:(P\d{1,2}_[A-Z]{1,3}\(\d{4}\)\d{4})", target)
        if m and ep_doc_id(m.group(1)):
            out.append(ep_doc_id(m.group(1)))
    return out


def parse_procedure(body: Body, url: str = "") -> list[Procedure]:
    """A ``procedure/EN/2021_106`` page → one Procedure with its timeline."""
    kind = "EUR-Lex procedure page"
    root = load_html(body, url, kind)
    ref_text = text_of(root.xpath('//p[contains(@class,"DocumentTitle")]')[:1])
    if not ref_text or not root.xpath('//div[contains(@class,"eventRow")]'):
        raise fail(url, kind, "no procedure reference or timeline (DocumentTitle / eventRow)")
    try:
        reference = normalise_procedure(ref_text)
    except IdentifierError as e:
        raise fail(url, kind, str(e)) from None
    title = _meta(root, "WT.z_docTitle") or f"Procedure {reference}"
    events, documents, key_players = [], [], []
    final_act = None
    for row in root.xpath('//div[contains(@class,"eventRow")]'):
        when = parse_date(text_of(row.xpath('.//div[contains(@class,"eventDate")]')[:1]))
        what = text_of(row.xpath('.//div[contains(@class,"eventTitle")]//*[contains(@class,"VMIMore")]')[:1]) \
            or text_of(row.xpath('.//div[contains(@class,"eventTitle")]')[:1])
        if when is None or not what:
            continue
        actor = text_of(row.xpath('./ancestor::div[contains(@class,"cd-timeline__content")][1]'
                                  '//h3[not(contains(@class,"pdfOnly"))]')[:1])
        details = row.getnext()
        linked = _linked_documents(row)
        if details is not None and "eventRow" not in (details.get("class") or ""):
            linked += _linked_documents(details)
            for dt in details.xpath(".//dt"):
                label = text_of(dt).rstrip(":")
                dd = dt.getnext()
                if label in ("Parliamentary committee responsible", "Leading service", "Leading person") and dd is not None:
                    key_players.append(text_of(dd))
        for doc in linked:
            if doc.startswith("celex:3") and _COMPLETED.search(what):
                final_act = doc[6:]
        events.append(Event(date=when, title=what, actor=actor, documents=linked,
                            url=f"{procedure_url(reference)}#{row.get('id') or ''}".rstrip("#")))
        documents += linked
    if not events:
        raise fail(url, kind, "timeline has no dated events")
    eurovoc = [text_of(a) for a in root.xpath('//dd[@id="eurovocProc"]//a')]
    latest = max(events, key=lambda e: e.date)
    if final_act or any(_COMPLETED.search(e.title) for e in events):
        status = "completed"
    elif _WITHDRAWN.search(latest.title):
        status = "withdrawn"
    else:
        status = "ongoing"
    return [Procedure(
        id=f"proc:{reference}", reference=reference, title=title, source="eurlex",
        url=url or procedure_url(reference), stage=latest.title, status=status, events=events,
        documents=documents, final_act=final_act, key_players=key_players, eurovoc=eurovoc,
    )]
