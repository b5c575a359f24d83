"""Legislative Observatory (OEIL): procedure files and document summaries."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import lxml.etree

from policytrack.errors import IdentifierError
from policytrack.identifiers import find_celex, normalise_procedure
from policytrack.model import Document, Event, Procedure

from .common import Body, clean, fail, load_html, parse_date, text_of

OEIL = "https://oeil.secure.europarl.europa.eu/oeil/en"
_DOCEO = re.compile(r"/doceo/document/([A-Z]{1,4})-(\d{1,2})-(\d{4})-(\d{4})_")
_STATUS = (("completed", "completed"), ("withdrawn", "withdrawn"), ("lapsed", "lapsed"),
           ("rejected", "rejected"))


_ACTORS = (("council", "Council of the European Union"), ("commission", "European Commission"),
           ("legislative proposal", "European Commission"), ("parliament", "European Parliament"),
           ("committee", "European Parliament"), ("plenary", "European Parliament"))


def _actor(event_title: str) -> str:
    """OEIL's key events do not name the institution; their wording does."""
    low = event_title.lower()
    return next((actor for word, actor in _ACTORS if word in low), "")


def procedure_url(reference: str) -> str:
    return f"{OEIL}/procedure-file?reference={reference}"


def summary_url(summary_id: str) -> str:
    return f"{OEIL}/document-summary?id={summary_id}"


_X_SECTIONS = lxml.etree.XPath('//div[contains(@class,"oeil-spy-section")]')
_X_H2 = lxml.etree.XPath(".//h2")


def _sections(root) -> dict[str, object]:
    """The page's sections by their heading ("Key events", "Final act"…), found in one pass."""
    out: dict[str, object] = {}
    for section in _X_SECTIONS(root):
        heading = _X_H2(section)
        if heading:
            out.setdefault(text_of(heading[0]), section)
    return out


_X_HREFS = lxml.etree.XPath(".//a/@href")
_X_ROWS = lxml.etree.XPath(".//table/tbody/tr")
# Rapporteurs, not the shadow rapporteurs folded away under them.
_X_RAPPORTEURS = lxml.etree.XPath("./td[1]//a[contains(@class,'rapporteur')][not(ancestor::div[contains(@id,'Shadow')])]")
_NUMDOC = re.compile(r"numdoc=([0-9CE]\d{4}[A-Z]{1,2}\d{1,6})")


def _linked(element) -> list[str]:
    """Ids of the documents a table cell links to: EP documents, CELEX numbers, OEIL summaries."""
    out = []
    for href in _X_HREFS(element):
        m = _DOCEO.search(href)
        if m:
            out.append(f"ep:{m[1]}-{m[2]}-{m[3]}-{m[4]}")
            continue
        m = _NUMDOC.search(href)
        celex = find_celex(f"CELEX:{m[1]}") if m else []
        if celex:
            out.append(f"celex:{celex[0]}")
        elif "document-summary?id=" in href:
            out.append(f"oeil-summary:{href.rsplit('=', 1)[-1]}")
    return out


def parse_procedure(body: Body, url: str = "") -> list[Procedure]:
    """An OEIL procedure file → one Procedure (key players, key events, forecasts, final act)."""
    kind = "OEIL procedure file"
    root = load_html(body, url, kind)
    ref_text = text_of(root.xpath('//h2[contains(@class,"es_title-h1")]')[:1])
    sections = _sections(root)
    _section = lambda _root, heading: sections.get(heading)
    if not ref_text or _section(root, "Key events") is None:
        raise fail(url, kind, "no procedure reference heading or 'Key events' section")
    try:
        reference = normalise_procedure(ref_text)
    except IdentifierError as e:
        raise fail(url, kind, str(e)) from None
    title = text_of(root.xpath('//h2[contains(@class,"es_title-h1")]/following::h2[contains(@class,"es_title-h2")][1]')[:1])
    events, documents = [], []
    for row in _X_ROWS(_section(root, "Key events")):
        cells = row.findall("td")
        if len(cells) < 2:
            continue
        when, what = parse_date(text_of(cells[0])), text_of(cells[1])
        if when is None or not what:
            continue
        linked = _linked(cells[2]) if len(cells) > 2 else []
        linked += _linked(cells[3]) if len(cells) > 3 else []
        events.append(Event(date=when, title=what, actor=_actor(what), documents=linked, url=url or procedure_url(reference)))
        documents += linked
    forecasts = _section(root, "Forecasts")
    if forecasts is not None:
        for row in _X_ROWS(forecasts):
            cells = row.findall("td")
            if len(cells) >= 2 and parse_date(text_of(cells[0])) and text_of(cells[1]):
                events.append(Event(date=parse_date(text_of(cells[0])), title=text_of(cells[1]),
                                    actor="European Parliament", forecast=True))
    key_players = []
    players = _section(root, "Key players")
    if players is not None:
        for row in players.xpath(".//table/tbody/tr[th]"):
            committee = text_of(row.find("th"))
            rapporteurs = [text_of(a) for a in _X_RAPPORTEURS(row)]
            if committee:
                key_players.append(committee + (f" — rapporteur: {', '.join(rapporteurs)}" if rapporteurs else ""))
    stage = ""
    technical = _section(root, "Technical information")
    if technical is not None:
        stage = text_of(technical.xpath('.//tr[th[normalize-space()="Stage reached in procedure"]]/td')[:1])
    basic = _section(root, "Basic information")
    status_words = text_of(basic.xpath('.//p[preceding-sibling::p[1][normalize-space()="Status"]]')[:1]) if basic is not None else ""
    status = next((s for word, s in _STATUS if word in (status_words or stage).lower()), "ongoing")
    final_act = None
    final = _section(root, "Final act")
    if final is not None:
        acts = [d[6:] for d in _linked(final) if d.startswith("celex:3")]
        final_act = acts[0] if acts else None
        documents += _linked(final)
    if not events:
        raise fail(url, kind, "'Key events' has no dated events")
    return [Procedure(
        id=f"proc:{reference}", reference=reference, title=title or f"Procedure {reference}",
        source="oeil", url=url or procedure_url(reference), stage=stage or status_words,
        status=status, events=events, documents=documents, final_act=final_act,
        key_players=key_players,
    )]


def parse_summary(body: Body, url: str = "") -> list[Document]:
    """An OEIL document summary → one Document of type 'summary' linked to its procedure."""
    kind = "OEIL document summary"
    root = load_html(body, url, kind)
    title = text_of(root.xpath('//h1[contains(@class,"es_product-title")]')[:1])
    subtitle = root.xpath('//div[contains(@class,"es_product-subtitle")]')
    content = root.xpath('//div[contains(@class,"es_product-content")]')
    if not title or not subtitle or not content:
        raise fail(url, kind, "no summary title, subtitle or content")
    summary_id = (parse_qs(urlparse(url).query).get("id") or [""])[0]
    if not summary_id.isdigit():
        shared = root.xpath('//a[contains(@href,"document-summary?id")]/@href')
        m = re.search(r"document-summary\?id(?:=|%3D)(\d+)", shared[0]) if shared else None
        summary_id = m.group(1) if m else ""
    if not summary_id:
        raise fail(url, kind, "no summary id in the URL or the page")
    reference = None
    for span in subtitle[0].xpath("./span"):
        try:
            reference = normalise_procedure(text_of(span))
            break
        except IdentifierError:
            continue
    when = parse_date(text_of(subtitle[0].xpath(".//time")[:1]))
    paragraphs = [text_of(p) for p in content[0].xpath(".//p")]
    text = "\n\n".join(p for p in paragraphs if p) or text_of(content[0])
    return [Document(
        id=f"oeil-summary:{summary_id}", title=title, source="oeil", url=url or summary_url(summary_id),
        doc_type="summary", procedure=reference, date=when, summary=clean(text)[:1000], text=text,
    )]
