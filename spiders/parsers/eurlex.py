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
    actor_from_title,
    add_date,
    block_text,
    clean,
    completes,
    doc_type_from_celex,
    doc_type_from_words,
    fail,
    head_meta,
    load_html,
    parse_date,
    procedure_status,
    text_of,
)
from .ep_names import committee_code

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


# Words that start the name of an author (an institution, a body, a committee): a comma before
# one of them separates two authors; any other comma is inside a name ("Committee on Civil
# Liberties, Justice and Home Affairs").
_AUTHOR_START = re.compile(
    r"^(?:European|Council|Commission|Committee|Court|Directorate|Parliament|Economic|Joint|Member|"
    r"Publications|Secretariat|Office|Agency|EFTA|Eurojust|Europol|Presidency|High|Representatives|"
    r"Special|Governments|Government|Conference)\b"
)


def _names(dd) -> list[str]:
    """The names a metadata value lists: one per element when the page marks each up (a span,
    a list item), else separated by ";" or by a comma before a new name."""
    marked = [text_of(el) for el in dd if isinstance(el.tag, str) and el.tag in ("span", "li", "a", "p", "div")]
    marked = [m for m in marked if m]
    if len(marked) > 1 or (marked and clean(" ".join(marked)) == text_of(dd)):
        return marked
    text = text_of(dd)
    if ";" in text:
        return _split_names(text)
    out: list[str] = []
    for part in (clean(p) for p in text.split(",")):
        if not part:
            continue
        if out and not _AUTHOR_START.match(part):
            out[-1] += f", {part}"
        else:
            out.append(part)
    return out


# "Dates" of the document information: label → the name of the date (repeated labels are
# numbered: transposition, transposition_2…); a "Date of effect" is named by what it says.
_DATE_LABELS = {
    "date of effect": "",
    "date of transposition": "transposition",
    "deadline": "deadline",
    "date of signature": "signature",
    "date of end of validity": "end_of_validity",
}


def _effect(value: str) -> str:
    """``17/01/2018; Entry into force Date pub. +20 See Art 48`` → entry_into_force;
    ``…; Application See Art 39`` → application; anything else → effect."""
    low = value.lower()
    return "entry_into_force" if "entry into force" in low else "application" if "application" in low else "effect"


def _definitions(root) -> list[tuple[str, object]]:
    """(label, dd element) pairs of the page's metadata lists, in order."""
    out = []
    for dt in root.iter("dt"):
        dd = dt.getnext()
        if dd is not None and dd.tag == "dd":
            out.append((text_of(dt).rstrip(":").strip(), dd))
    return out


# id() is a hash lookup in libxml2's HTML documents; //*[@id=…] would scan the whole page.
_X_DOC_PARTS = lxml.etree.XPath(
    'id("PP1Contents") | id("document1") | id("text") | id("TexteOnly") | id("title") | id("translatedTitle")'
)
_X_DOCUMENT_H1 = lxml.etree.XPath('/descendant::h1[contains(@class,"DocumentTitle")][1]')
_URI = re.compile(r"[?&]uri=(?:CELEX|EP):([^&#\s]+)", re.I)


_INVISIBLE = str.maketrans("", "", "\u200b\u200c\u200d\u2060\ufeff")


def _words(element) -> str:
    """An element's text, or "" when it has no visible word (EUR-Lex leaves a zero-width space in
    the title block of documents it has no title for)."""
    return clean(text_of(element).translate(_INVISIBLE))


def _document_reference(root, url: str) -> str:
    """What the page is, when its analytics metas (``WT.z_docID``, a legacy of a retired
    tracker) are gone: its heading ("Document 32017R2403"), else the address's ``uri=``."""
    heading = text_of(_X_DOCUMENT_H1(root))
    if heading.startswith("Document "):
        return heading[9:].strip()
    m = _URI.search(unquote(url))
    return m.group(1) if m else ""


def parse_document(body: Body, url: str = "") -> list[Document]:
    """A ``legal-content/EN/ALL|TXT/?uri=CELEX:…`` page → one Document."""
    kind = "EUR-Lex document page"
    root = load_html(body, url, kind)
    meta, eli_abouts = _document_head(root)
    parts: dict[str, object] = {}
    for element in _X_DOC_PARTS(root):
        parts.setdefault(element.get("id"), element)
    if not ("PP1Contents" in parts or "document1" in parts):
        raise fail(url, kind, "no EUR-Lex document metadata (PP1Contents / document1)")
    doc_ref = meta.get("WT.z_docID", "") or _document_reference(root, url)
    title = meta.get("WT.z_docTitle", "") or _words(parts.get("translatedTitle"))
    if not doc_ref:
        raise fail(url, kind, "no document reference (WT.z_docID, 'Document …' heading or uri=)")
    celex = normalise_celex(doc_ref) if is_celex(doc_ref) else None
    if celex is None:
        from_url = find_celex(unquote(url))
        celex = from_url[0] if from_url else None
    item_id = f"celex:{celex}" if celex else ep_doc_id(doc_ref)
    if item_id is None:
        raise fail(url, kind, f"document reference {doc_ref[:60]!r} is neither a CELEX number nor an EP reference")
    if not title:
        heading = text_of(_X_H1(root))
        title = _words(parts.get("title")) or ("" if heading.startswith("Document ") else heading)
    if not title:
        raise fail(url, kind, f"{doc_ref[:60]} has no title")
    eli = None
    for about in eli_abouts:
        try:
            eli = str(parse_eli(about or ""))
            break
        except IdentifierError:
            continue
    date_doc, authors, eurovoc, subjects = None, [], [], []
    dates: dict[str, date] = {}
    doc_type = doc_type_from_celex(celex) if celex else "other"
    procedure = None
    for label, dd in _definitions(root):
        value = text_of(dd)
        low = label.lower()
        if low == "date of document":
            date_doc = parse_date(value)
        elif low in _DATE_LABELS:
            add_date(dates, _DATE_LABELS[low] or _effect(value), parse_date(value))
        elif low == "author" or low == "rapporteur":
            authors += _names(dd)
        elif low == "subject matter":
            subjects += _names(dd)
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
        add_date(dates, "publication", parse_oj_reference(header).date)
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
            dates=dates,
            authors=tuple(authors),
            eurovoc=tuple(eurovoc),
            text=text,
            subjects=tuple(subjects),
        )
    ]


_LINKED = re.compile(r"uri=(?:celex:([0-9CE]\d{4}[A-Z]{1,2}\d{1,6})|EP:(P\d{1,2}_[A-Z]{1,3}\(\d{4}\)\d{4}))", re.I)
# "descendant::x[…]" rather than ".//x[…]": the same nodes, but libxml2 walks "//" as
# descendant-or-self::node()/child::x, visiting every node's children list once more.
_X_MAIN = lxml.etree.XPath('id("MainContent")')
_X_ACTOR = lxml.etree.XPath('descendant::h3[not(contains(@class,"pdfOnly"))][1]')
_X_REF = lxml.etree.XPath('id("MainContent")/descendant::p[contains(@class,"DocumentTitle")][1]')
_X_HEADING = lxml.etree.XPath('id("procedureHeading")')
_X_PUB_OJ = lxml.etree.XPath('id("pubOjHeading")')
_X_EUROVOC = lxml.etree.XPath('id("eurovocProc")/descendant::a')
_X_SCRIPTS = lxml.etree.XPath('/descendant::script[contains(.,"startYear")]/text()')


@lru_cache(maxsize=4096)
def _linked_id(celex: str | None, ep: str | None) -> str | None:
    """The item id of one linked CELEX number or EP reference (the same few recur on every page)."""
    if celex and is_celex(celex) and not celex.startswith("1"):  # skip Treaty articles (legal bases)
        return f"celex:{normalise_celex(celex)}"
    if ep:
        return ep_doc_id(ep)
    return None


def _linked_documents(element) -> list[str]:
    hrefs = [href for a in element.iter("a") if (href := a.get("href"))]
    return _linked_in(" ".join(hrefs)) if hrefs else []


def _linked_in(text: str) -> list[str]:
    out = []
    for m in _LINKED.finditer(unquote(text)):
        linked = _linked_id(m.group(1), m.group(2))
        if linked:
            out.append(linked)
    return out


def _split_names(text: str) -> list[str]:
    return [clean(part) for part in text.split(";") if clean(part)]


# What a details list says about who carries the file: label → (role of the named, role of the
# rapporteurs listed after it).
_PLAYER_LABELS = {
    "parliamentary committee responsible": ("committee responsible", "rapporteur"),
    "parliamentary committee for opinion": ("committee for opinion", "rapporteur for opinion"),
    "leading person": ("commission", ""),
    "leading service": ("commission", ""),
    "council configuration": ("council", ""),
}


def _key_players(details) -> list[KeyPlayer]:
    """Committees, rapporteurs, the Commission's DG and commissioner, the Council configuration
    named in an event's details (``<dt>`` label, ``<dd>`` values separated by ";")."""
    out: list[KeyPlayer] = []
    rapporteur_role, committees = "", [""]
    for dt in details.iter("dt"):
        dd = dt.getnext()
        if dd is None or dd.tag != "dd":
            continue
        low = text_of(dt).rstrip(":").strip().lower()
        if low in _PLAYER_LABELS:
            role, rapporteur_role = _PLAYER_LABELS[low]
            names = _split_names(text_of(dd))
            committees = [committee_code(n) for n in names] or [""]
            out += [_player(role, n, committee_code(n)) for n in names]
        elif low == "rapporteur" and rapporteur_role:
            names = _split_names(text_of(dd))
            paired = committees if len(committees) == len(names) else [committees[0]] * len(names)
            out += [_player(rapporteur_role, n, c) for n, c in zip(names, paired)]
    return out


_JS_FIELD = {
    name: re.compile(rf"""['"]{name}['"]\s*:\s*(['"])((?:(?!\1).|\\.)*)\1""", re.S)
    for name in ("startYear", "startMonth", "startDay", "title", "actor", "description", "link")
}


def _script_events(root) -> list[tuple[date, str, str, list[str], str]]:
    """The timeline as the page's script hands it to its chart (date, title, actor, description,
    anchor): what a page whose HTML timeline has another layout still says."""
    out = []
    for script in _X_SCRIPTS(root):
        for chunk in re.split(r"\{\s*['\"]eid['\"]", script)[1:]:
            found = {name: (m.group(2) if (m := rx.search(chunk)) else "") for name, rx in _JS_FIELD.items()}
            try:
                when = date(int(found["startYear"]), int(found["startMonth"]), int(found["startDay"]))
            except ValueError:
                continue
            title = clean(found["title"].replace("\\'", "'").replace('\\"', '"'))
            if title:
                out.append((when, title, clean(found["actor"]), _linked_in(found["description"]), found["link"]))
    return out


def _cell(row, name: str):
    """The first child ``div`` of a row whose class names ``name`` (``eventDate``, ``eventTitle``)."""
    for child in row:
        if child.tag == "div" and name in (child.get("class") or ""):
            return child
    return None


def _title_of(cell) -> str:
    """An event's title: the first of the expand button's two copies (``VMIMore``), or the cell
    itself when the event has no details to expand ("Adoption of the legislative act")."""
    for el in cell.iter():
        if "VMIMore" in (el.get("class") or "") and isinstance(el.tag, str):
            return text_of(el)
    return text_of(cell)


def _blocks_and_rows(root) -> list[tuple[object, list]]:
    """The timeline's blocks (one per institution) and their event rows, in one walk over the
    main content's ``div`` elements."""
    blocks: dict[object, list] = {}
    rows = []
    for main in _X_MAIN(root):
        # (the timeline's own section when it has one: a third of the main content's divs)
        scopes = [s for s in main.iter("section") if "cd-timeline" in (s.get("class") or "")] or [main]
        for div in (div for scope in scopes for div in scope.iter("div")):
            cls = div.get("class")
            if not cls:
                continue
            if "cd-timeline__content" in cls:
                blocks[div] = []
            elif "eventRow" in cls and " eventRow " in f" {cls} ":
                rows.append(div)
    for row in rows:
        owner = next((a for a in row.iterancestors("div") if a in blocks), None)
        if owner is not None:
            blocks[owner].append(row)
    return list(blocks.items())


@lru_cache(maxsize=4096)  # the same committees, rapporteurs and DGs, event after event
def _player(role: str, name: str, committee: str = "") -> KeyPlayer:
    return KeyPlayer(role, name, committee=committee)


def _timeline(root, base: str) -> tuple[list[Event], list[KeyPlayer]]:
    events: list[Event] = []
    players: list[KeyPlayer] = []
    for block, rows in _blocks_and_rows(root):
        actor = text_of(_X_ACTOR(block))
        for row in rows:
            when = parse_date(text_of(_cell(row, "eventDate")))
            cell = _cell(row, "eventTitle")
            what = _title_of(cell) if cell is not None else ""
            if when is None or not what:
                continue
            details = row.getnext()
            linked = _linked_documents(row)
            if details is not None and "eventRow" not in (details.get("class") or ""):
                linked += _linked_documents(details)
                players += _key_players(details)
            anchor = row.get("id")
            events.append(
                Event(
                    date=when,
                    title=what,
                    actor=actor or actor_from_title(what),
                    documents=tuple(dict.fromkeys(linked)),
                    url=f"{base}#{anchor}" if anchor else base,
                )
            )
    if not events:  # another layout of the timeline: read what the page's chart script is given
        for when, what, actor, linked, anchor in _script_events(root):
            url = f"{base}#{anchor}" if re.fullmatch(r"[\w\-]+", anchor) else base
            events.append(
                Event(
                    date=when,
                    title=what,
                    actor=actor or actor_from_title(what),
                    documents=tuple(linked),
                    url=url,
                )
            )
    return events, players


def _publication(root, base: str) -> tuple[Event | None, str | None]:
    """The Official Journal publication, which the page shows above the timeline, not in it."""
    for heading in _X_PUB_OJ(root):
        values = {label.lower(): dd for label, dd in _definitions(heading)}
        when = parse_date(text_of(values.get("date of publication")))
        main = values.get("celex number of the main document")
        celex = (
            next((d[6:] for d in _linked_documents(main) if d.startswith("celex:")), None) if main is not None else None
        )
        if celex is None and main is not None and is_celex(text_of(main)):
            celex = normalise_celex(text_of(main))
        if when is None:
            continue
        anchor = next((el.get("id") for el in heading.iter() if (el.get("id") or "").endswith("PUB_OJ")), None)
        title = next((text_of(el) for el in heading.iter() if (el.get("id") or "").endswith("PUB_OJ")), "")
        event = Event(
            date=when,
            title=title or "Publication in the Official Journal",
            actor=actor_from_title("official journal"),
            documents=(f"celex:{celex}",) if celex else (),
            url=f"{base}#{anchor}" if anchor else base,
        )
        return event, celex
    return None, None


def _heading(root) -> tuple[str, str, str, str | None]:
    """The procedure heading above the timeline: (reference, title, status words, adopted act)."""
    for heading in _X_HEADING(root):
        bold = heading.find("b")
        reference = text_of(bold).replace("Procedure", "").strip() if bold is not None else ""
        para = heading.find("p")
        title = re.sub(r"^[A-Z]{2,5}\s*\(\d{4}\)\s*\d+\s*:\s*", "", text_of(para)) if para is not None else ""
        status, adopted = "", None
        for span in heading.iter("span"):
            if "procStatus" in (span.get("class") or ""):
                box = span.getparent()
                status = text_of(box)
                acts = [d[6:] for d in _linked_documents(box) if d.startswith("celex:3")]
                adopted = acts[0] if acts else None
                break
        return reference, title, status, adopted
    return "", "", "", None


def parse_procedure(body: Body, url: str = "") -> list[Procedure]:
    """A ``procedure/EN/2021_106`` page → one Procedure with its timeline: every event of every
    institution, the Official Journal publication, the key players, the status the page states."""
    kind = "EUR-Lex procedure page"
    root = load_html(body, url, kind)
    heading_ref, heading_title, stated, adopted = _heading(root)
    reference = None
    for candidate in (text_of(_X_REF(root)), heading_ref, url if "/procedure/" in url else ""):
        try:
            reference = normalise_procedure(candidate) if candidate else None
        except IdentifierError:
            reference = None
        if reference and reference.endswith(")"):
            break
    if reference is None or not reference.endswith(")"):
        raise fail(url, kind, "no procedure reference (DocumentTitle / procedure heading)")
    base = procedure_url(reference)
    events, key_players = _timeline(root, base)
    published, oj_celex = _publication(root, base)
    if published is not None and not any(e.date == published.date and completes(e.title) for e in events):
        events.append(published)
    if not events:
        raise fail(url, kind, "timeline has no dated events")
    final_act = oj_celex if oj_celex and oj_celex.startswith("3") else adopted
    if final_act is None:
        for event in events:
            acts = [d[6:] for d in event.documents if d.startswith("celex:3")]
            if acts and completes(event.title):
                final_act = acts[0]
    title = _meta(root, "WT.z_docTitle") or heading_title or f"Procedure {reference}"
    past = [e for e in events if not e.forecast]
    latest = max(past or events, key=lambda e: e.date)
    return [
        Procedure(
            id=f"proc:{reference}",
            reference=reference,
            title=title,
            source="eurlex",
            url=url or base,
            stage=latest.title,
            status=procedure_status(events, final_act=final_act, stated=stated),
            events=tuple(events),
            documents=tuple(dict.fromkeys(d for e in events for d in e.documents)),
            final_act=final_act,
            key_players=tuple(key_players),
            eurovoc=tuple(text_of(a) for a in _X_EUROVOC(root)),
        )
    ]
