"""Legislative Observatory (OEIL): procedure files and document summaries."""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import parse_qs, urlparse

import lxml.etree

from policytrack.errors import IdentifierError
from policytrack.identifiers import find_celex, normalise_procedure
from policytrack.model import Document, Event, KeyPlayer, Procedure

from .common import Body, clean, fail, load_html, parse_date, text_of

OEIL = "https://oeil.secure.europarl.europa.eu/oeil/en"
_DOCEO = re.compile(r"/doceo/document/([A-Z]{1,4})-(\d{1,2})-(\d{4})-(\d{4})_")
_STATUS = (("completed", "completed"), ("withdrawn", "withdrawn"), ("lapsed", "lapsed"), ("rejected", "rejected"))


_ACTORS = (
    ("council", "Council of the European Union"),
    ("commission", "European Commission"),
    ("legislative proposal", "European Commission"),
    ("parliament", "European Parliament"),
    ("committee", "European Parliament"),
    ("plenary", "European Parliament"),
)


def _actor(event_title: str) -> str:
    """OEIL's key events do not name the institution; their wording does."""
    low = event_title.lower()
    return next((actor for word, actor in _ACTORS if word in low), "")


def procedure_url(reference: str) -> str:
    return f"{OEIL}/procedure-file?reference={reference}"


def summary_url(summary_id: str) -> str:
    return f"{OEIL}/document-summary?id={summary_id}"


def _sections_and_headings(root) -> tuple[dict[str, object], list]:
    """The page's sections by their heading ("Key events", "Final act"…), and all its h2s in
    document order, found in one pass over the page's divs and h2s only (lxml picks those out
    in C, cheaper than an XPath predicate on every node)."""
    out: dict[str, object] = {}
    headings = []
    for element in root.iter("div", "h2"):
        if element.tag == "h2":
            headings.append(element)
            continue
        cls = element.get("class")
        if cls and "oeil-spy-section" in cls:
            heading = next(element.iterdescendants("h2"), None)
            if heading is not None:
                out.setdefault(text_of(heading), element)
    return out, headings


_X_TITLE = lxml.etree.XPath('//h2[contains(@class,"es_title-h1")]/following::h2[contains(@class,"es_title-h2")][1]')
_X_ROWS = lxml.etree.XPath(".//table/tbody/tr")


def _shadowed(element) -> bool:
    """Whether ``element`` or one of its ancestors is a div whose id says Shadow."""
    return any(
        "Shadow" in (div.get("id") or "") for div in (element, *element.iterancestors("div")) if div.tag == "div"
    )


def _rapporteurs(row, section, section_shadowed: bool) -> list:
    """The rapporteur links of a key-players row's first cell, not the shadow rapporteurs folded
    away under them (in a div whose id says Shadow). The XPath equivalent,
    ``td[1]//a[contains(@class,'rapporteur')][not(ancestor::div[contains(@id,'Shadow')])]``, walks
    every link's ancestors up to the root in libxml2, at several times the cost; here each link's
    walk stops at the row's ``section``, whose own answer (``section_shadowed``) is known."""
    cell = next(row.iterchildren("td"), None)
    if cell is None:
        return []
    out = []
    for a in cell.iterdescendants("a"):
        if "rapporteur" not in (a.get("class") or ""):
            continue
        shadowed = section_shadowed
        for div in a.iterancestors("div"):
            if div is section:
                break
            if "Shadow" in (div.get("id") or ""):
                shadowed = True
                break
        if not shadowed:
            out.append(a)
    return out


_X_PLAYER_ROWS = lxml.etree.XPath(".//table/tbody/tr[th]")
_X_STAGE = lxml.etree.XPath('(descendant::tr[th[normalize-space()="Stage reached in procedure"]]/td)[1]')
_X_STATUS = lxml.etree.XPath('descendant::p[preceding-sibling::p[1][normalize-space()="Status"]][1]')
_NUMDOC = re.compile(r"numdoc=([0-9CE]\d{4}[A-Z]{1,2}\d{1,6})")


@lru_cache(maxsize=4096)
def _numdoc_celex(numdoc: str) -> str | None:
    """The CELEX number a ``numdoc=`` link names, if it is one (the same few recur on every page)."""
    celex = find_celex(f"CELEX:{numdoc}")
    return celex[0] if celex else None


def _linked(element) -> list[str]:
    """Ids of the documents a table cell links to: EP documents, CELEX numbers, OEIL summaries."""
    out = []
    # (the links' hrefs in document order: what descendant::a/@href selects, without an XPath call)
    for href in [a.get("href") for a in element.iterdescendants("a")]:
        if href is None:
            continue
        m = _DOCEO.search(href)
        if m:
            out.append(f"ep:{m[1]}-{m[2]}-{m[3]}-{m[4]}")
            continue
        m = _NUMDOC.search(href)
        celex = _numdoc_celex(m[1]) if m else None
        if celex:
            out.append(f"celex:{celex}")
        elif "document-summary?id=" in href:
            out.append(f"oeil-summary:{href.rsplit('=', 1)[-1]}")
    return out


def parse_procedure(body: Body, url: str = "") -> list[Procedure]:
    """An OEIL procedure file → one Procedure (key players, key events, forecasts, final act)."""
    kind = "OEIL procedure file"
    root = load_html(body, url, kind)
    sections, headings = _sections_and_headings(root)
    ref_headings = [h2 for h2 in headings if "es_title-h1" in (h2.get("class") or "")]
    ref_text = text_of(ref_headings[:1])

    def _section(_root: object, heading: str) -> object | None:
        return sections.get(heading)

    if not ref_text or _section(root, "Key events") is None:
        raise fail(url, kind, "no procedure reference heading or 'Key events' section")
    try:
        reference = normalise_procedure(ref_text)
    except IdentifierError as e:
        raise fail(url, kind, str(e)) from None
    # The title is the first es_title-h2 after a reference heading (XPath's following axis:
    # after it in document order, not inside it). With one such heading, as on every real page,
    # that is the first such h2 after it in the page's list of h2s; otherwise ask XPath.
    if len(ref_headings) == 1:
        ref_heading = ref_headings[0]
        after = headings[next(i for i, h2 in enumerate(headings) if h2 is ref_heading) + 1 :]
        title = text_of(
            next(
                (
                    h2
                    for h2 in after
                    if "es_title-h2" in (h2.get("class") or "")
                    and not any(a is ref_heading for a in h2.iterancestors("h2"))
                ),
                None,
            )
        )
    else:
        title = text_of(_X_TITLE(root)[:1])
    events, documents = [], []
    event_url = url or procedure_url(reference)
    for row in _X_ROWS(_section(root, "Key events")):
        cells = list(row.iterchildren("td"))  # (findall's path machinery costs twice as much)
        if len(cells) < 2:
            continue
        when, what = parse_date(text_of(cells[0])), text_of(cells[1])
        if when is None or not what:
            continue
        linked = _linked(cells[2]) if len(cells) > 2 else []
        linked += _linked(cells[3]) if len(cells) > 3 else []
        events.append(Event(date=when, title=what, actor=_actor(what), documents=tuple(linked), url=event_url))
        documents += linked
    forecasts = _section(root, "Forecasts")
    if forecasts is not None:
        for row in _X_ROWS(forecasts):
            cells = list(row.iterchildren("td"))
            if len(cells) < 2:
                continue
            when = parse_date(text_of(cells[0]))
            what = text_of(cells[1]) if when else ""
            if when and what:
                events.append(Event(date=when, title=what, actor="European Parliament", forecast=True))
    key_players = []
    players = _section(root, "Key players")
    if players is not None:
        players_shadowed = _shadowed(players)
        for row in _X_PLAYER_ROWS(players):
            th = next(row.iterchildren("th"), None)
            # The committee badge ("ENVI") and its name sit in sibling spans: join them with a
            # space even where the page has no white space between the tags.
            committee = clean(" ".join(th.itertext())) if th is not None else ""
            rapporteurs = [text_of(a) for a in _rapporteurs(row, players, players_shadowed)]
            if committee:
                key_players.append(KeyPlayer(role="other", name=committee))
                badge = committee.split()[0] if re.fullmatch(r"[A-Z]{4}", committee.split()[0]) else ""
                for person in rapporteurs:
                    name, group = _person_and_group(person)
                    key_players.append(KeyPlayer(role="rapporteur", name=name, committee=badge, group=group))
    stage = ""
    technical = _section(root, "Technical information")
    if technical is not None:
        stage = text_of(_X_STAGE(technical))
    basic = _section(root, "Basic information")
    status_words = text_of(_X_STATUS(basic)) if basic is not None else ""
    status = next((s for word, s in _STATUS if word in (status_words or stage).lower()), "ongoing")
    final_act = None
    final = _section(root, "Final act")
    if final is not None:
        final_documents = _linked(final)
        acts = [d[6:] for d in final_documents if d.startswith("celex:3")]
        final_act = acts[0] if acts else None
        documents += final_documents
    if not events:
        raise fail(url, kind, "'Key events' has no dated events")
    return [
        Procedure(
            id=f"proc:{reference}",
            reference=reference,
            title=title or f"Procedure {reference}",
            source="oeil",
            url=url or procedure_url(reference),
            stage=stage or status_words,
            status=status,
            events=tuple(events),
            documents=tuple(documents),
            final_act=final_act,
            key_players=tuple(key_players),
        )
    ]


_X_SHARED = lxml.etree.XPath('/descendant::a[contains(@href,"document-summary?id")]/@href')
_X_FIRST_TIME = lxml.etree.XPath("descendant::time[1]")
_X_PARAGRAPHS = lxml.etree.XPath("descendant::p")


def parse_summary(body: Body, url: str = "") -> list[Document]:
    """An OEIL document summary → one Document of type 'summary' linked to its procedure."""
    kind = "OEIL document summary"
    root = load_html(body, url, kind)
    # The three parts in one walk, over only the page's h1 and div elements (lxml selects those
    # in C; an XPath predicate per element would cost more than the rest of the extraction).
    title_el, subtitle, content = None, [], []
    for element in root.iter("h1", "div"):
        cls = element.get("class")
        if not cls or "es_product-" not in cls:
            continue
        if element.tag == "h1":
            if title_el is None and "es_product-title" in cls:
                title_el = element
        else:
            if "es_product-subtitle" in cls:
                subtitle.append(element)
            if "es_product-content" in cls:
                content.append(element)
    title = text_of(title_el)
    if not title or not subtitle or not content:
        raise fail(url, kind, "no summary title, subtitle or content")
    summary_id = (parse_qs(urlparse(url).query).get("id") or [""])[0]
    if not summary_id.isdigit():
        shared = _X_SHARED(root)
        m = re.search(r"document-summary\?id(?:=|%3D)(\d+)", shared[0]) if shared else None
        summary_id = m.group(1) if m else ""
    if not summary_id:
        raise fail(url, kind, "no summary id in the URL or the page")
    reference = None
    for span in subtitle[0].findall("span"):
        try:
            reference = normalise_procedure(text_of(span))
            break
        except IdentifierError:
            continue
    when = parse_date(text_of(_X_FIRST_TIME(subtitle[0])))
    paragraphs = [text_of(p) for p in _X_PARAGRAPHS(content[0])]
    text = "\n\n".join(p for p in paragraphs if p) or text_of(content[0])
    return [
        Document(
            id=f"oeil-summary:{summary_id}",
            title=title,
            source="oeil",
            url=url or summary_url(summary_id),
            doc_type="summary",
            procedure=reference,
            date=when,
            summary=clean(text)[:1000],
            text=text,
        )
    ]


def _person_and_group(text: str) -> tuple[str, str]:
    """``MIKSER Sven (S&D)`` → (``MIKSER Sven``, ``S&D``)."""
    m = re.fullmatch(r"(.+?)\s*\(([^()]+)\)", text.strip())
    return (m.group(1), m.group(2)) if m else (text.strip(), "")
