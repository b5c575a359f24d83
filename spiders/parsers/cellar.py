"""Cellar XML notices: a branch notice of a WORK (an act) and a tree notice of a DOSSIER."""

from __future__ import annotations

import re
from datetime import date

from policytrack.errors import IdentifierError
from policytrack.identifiers import is_celex, normalise_celex, normalise_procedure, parse_eli
from policytrack.model import Document, Event, Procedure

from .common import (
    Body,
    actor_from_title,
    add_date,
    clean,
    doc_type_from_celex,
    doc_type_from_words,
    fail,
    load_xml,
    parse_date,
    procedure_status,
    warn,
)
from .eurlex import document_url, procedure_url

# Cellar names languages by the Publications Office's three-letter codes.
LANGUAGES = {
    "BUL": "bg", "CES": "cs", "DAN": "da", "DEU": "de", "ELL": "el", "ENG": "en", "EST": "et",
    "FIN": "fi", "FRA": "fr", "GLE": "ga", "HRV": "hr", "HUN": "hu", "ITA": "it", "LAV": "lv",
    "LIT": "lt", "MLT": "mt", "NLD": "nl", "POL": "pl", "POR": "pt", "RON": "ro", "SLK": "sk",
    "SLV": "sl", "SPA": "es", "SWE": "sv",
}  # fmt: skip
# The language a work without an English title is shown in: the Commission's other working
# languages first, then any.
_FALLBACK_ORDER = ("ENG", "FRA", "DEU")
# Publications Office procedure types that are not the Parliament's three letters.
_PROCEDURE_TYPES = {"OLP": "COD", "SLP": "CNS"}


def _value(element, path: str) -> str:
    found = element.find(path)
    return clean(found.findtext("VALUE")) if found is not None else ""


def _own_uris(element) -> list:
    """The URIs naming ``element`` itself (its URI and SAMEAS), not those of what it cites."""
    return element.findall("URI") + element.findall("SAMEAS/URI")


def _celex_of(element) -> list[str]:
    """The CELEX numbers a link element names: its own URIs of type celex, and those of the
    work it embeds (``EMBEDDED_NOTICE/WORK``), never the works that work cites."""
    out: list[str] = []
    if element is None:
        return out
    uris = _own_uris(element)
    for work in element.findall("EMBEDDED_NOTICE/WORK") + element.findall("WORK"):
        uris += _own_uris(work)
        for path in ("RESOURCE_LEGAL_ID_CELEX", "ID_CELEX"):
            ident = _value(work, path)
            if is_celex(ident) and normalise_celex(ident) not in out:
                out.append(normalise_celex(ident))
    for uri in uris:
        value = clean(uri.findtext("VALUE"))
        if clean(uri.findtext("TYPE")) == "celex" or "/resource/celex/" in value:
            ident = clean(uri.findtext("IDENTIFIER")) or value.rsplit("/celex/", 1)[-1]
            if is_celex(ident) and normalise_celex(ident) not in out:
                out.append(normalise_celex(ident))
    return out


def parse_notice(body: Body, url: str = "") -> list[Document | Procedure]:
    """A Cellar notice: ``type="branch"`` → a Document; ``type="tree"`` of a DOSSIER → a Procedure."""
    kind = "Cellar notice"
    root = load_xml(body, url, kind)
    if root.tag != "NOTICE":
        raise fail(url, kind, f"root element is <{root.tag}>, not <NOTICE>")
    if root.find("DOSSIER") is not None:
        return [_dossier(root, url)]
    work = root.find("WORK")
    if work is None:
        raise fail(url, kind, "notice has neither a WORK nor a DOSSIER")
    return [_work(root, work, url)]


def _title(root, work) -> tuple[str, str]:
    """(title, language code): the English expression's title, else another language's."""
    titles: dict[str, str] = {}
    for expression in root.findall("EXPRESSION") or list(root.iter("EXPRESSION")):
        code = clean(expression.findtext("EXPRESSION_USES_LANGUAGE/IDENTIFIER")) or clean(
            expression.findtext("EXPRESSION_USES_LANGUAGE/OP-CODE")
        )
        title = _value(expression, "EXPRESSION_TITLE")
        if title and code.upper() in LANGUAGES:
            titles.setdefault(code.upper(), title)
        elif title and not code:
            titles.setdefault("ENG", title)  # an expression that does not say is the notice's own
    for code in (*_FALLBACK_ORDER, *sorted(titles)):
        if code in titles:
            return titles[code], LANGUAGES[code]
    title = _value(work, "WORK_TITLE") or _value(work, "RESOURCE_LEGAL_TITLE")
    return title, "en"


def _procedure_in(link) -> str | None:
    """The procedure a WORK_PART_OF_DOSSIER-like link names: its reference, or its
    ``procedure/2015_289`` URI with the type it states."""
    ref = clean(link.findtext(".//PROCEDURE_CODE_INTERINSTITUTIONAL_REFERENCE_PROCEDURE/VALUE"))
    try:
        return normalise_procedure(ref) if ref else None
    except IdentifierError:
        return None


_WORK_DATES = (
    ("entry_into_force", "RESOURCE_LEGAL_DATE_ENTRY-INTO-FORCE"),
    ("signature", "RESOURCE_LEGAL_DATE_SIGNATURE"),
    ("transposition", "RESOURCE_LEGAL_DATE_TRANSPOSITION"),
    ("deadline", "RESOURCE_LEGAL_DATE_DEADLINE"),
    ("end_of_validity", "RESOURCE_LEGAL_DATE_END-OF-VALIDITY"),
)


def _work(root, work, url: str) -> Document:
    kind = "Cellar branch notice"
    celex = None
    for raw in (_value(work, "RESOURCE_LEGAL_ID_CELEX"), _value(work, "ID_CELEX"), *_celex_of(work)):
        if raw and is_celex(raw):
            celex = normalise_celex(raw)
            break
    if celex is None:
        raise fail(url, kind, "WORK has no CELEX number (RESOURCE_LEGAL_ID_CELEX, ID_CELEX or a celex SAMEAS)")
    title, language = _title(root, work)
    if not title:
        raise fail(url, kind, f"{celex} has no title in any language")
    if language != "en":
        warn(url, kind, f"{celex} has no English title; kept the {language} one")
    eli = None
    try:
        raw_eli = _value(work, "RESOURCE_LEGAL_ELI")
        eli = str(parse_eli(raw_eli)) if raw_eli else None
    except IdentifierError:
        eli = None
    dates: dict[str, date] = {}
    # Each kind of date in the order of its dates (a directive can set several transposition
    # deadlines, an act enter into force in parts): the first as its name, then name_2…
    for name, path in _WORK_DATES:
        for when in sorted(
            d for d in (parse_date(clean(e.findtext("VALUE"))) for e in work.findall(path)) if d is not None
        ):
            add_date(dates, name, when)
    published = work.find("RESOURCE_LEGAL_PUBLISHED_IN_OFFICIAL-JOURNAL")
    if published is not None:
        add_date(dates, "publication", parse_date(clean(published.findtext(".//DATE_PUBLICATION/VALUE"))))
    procedures: list[str] = []
    for path in ("WORK_PART_OF_DOSSIER", "RESOURCE_LEGAL_PRODUCED_BY_DOSSIER"):
        for link in work.findall(path):
            ref = _procedure_in(link)
            if ref and ref not in procedures:
                procedures.append(ref)
    act_type = clean(work.findtext("RESOURCE_LEGAL_HAS_TYPE_ACT_CONCEPT_TYPE_ACT/PREFLABEL"))
    doc_type = doc_type_from_celex(celex)
    if doc_type == "other" and act_type:
        doc_type = doc_type_from_words(act_type)
    authors = [clean(a.findtext("PREFLABEL")) for a in work.findall("WORK_CREATED_BY_AGENT")]
    eurovoc = [clean(c.findtext(".//PREFLABEL")) for c in work.findall("WORK_IS_ABOUT_CONCEPT_EUROVOC")]
    subjects = [
        clean(p.text) for c in work.findall("RESOURCE_LEGAL_IS_ABOUT_SUBJECT-MATTER") for p in c.iter("PREFLABEL")
    ]
    return Document(
        id=f"celex:{celex}",
        title=title,
        source="cellar",
        url=url or document_url(celex),
        doc_type=doc_type,
        celex=celex,
        eli=eli,
        procedure=procedures[0] if procedures else None,
        procedures=tuple(procedures),
        date=parse_date(_value(work, "WORK_DATE_DOCUMENT") or _value(work, "DATE_DOCUMENT")),
        dates=dates,
        authors=tuple(a for a in authors if a),
        eurovoc=tuple(e for e in eurovoc if e),
        subjects=tuple(s for s in subjects if s),
        language=language,
    )


_TYPE_IN_LABEL = re.compile(r"\(([A-Z]{3})\)\s*$")


def _procedure_type(concept) -> str | None:
    """The Parliament's three letters of a procedure-type concept: "(COD)" in its label, or its code."""
    if concept is None:
        return None
    m = _TYPE_IN_LABEL.search(clean(concept.findtext("PREFLABEL")))
    if m:
        return m.group(1)
    code = clean(concept.findtext("OP-CODE")) or clean(concept.findtext("IDENTIFIER"))
    return _PROCEDURE_TYPES.get(code, code or None)


def _dossier_reference(root, dossier) -> str:
    """The DOSSIER's reference as written, else its ``procedure/2013_449`` identity and the
    procedure type the dossier or its events state."""
    for path in ("PROCEDURE_CODE_INTERINSTITUTIONAL_REFERENCE_PROCEDURE", "REFERENCE_PROCEDURE"):
        ref = _value(dossier, path)
        if ref:
            return ref
    number = ""
    for uri in _own_uris(dossier):
        m = re.search(r"procedure/(\d{4}_\d{1,4})$", clean(uri.findtext("VALUE")))
        if m:
            number = m.group(1)
    for ident in dossier.findall("IDENTIFIER") + dossier.findall("DOSSIER_IDENTIFIER"):
        m = re.fullmatch(r"procedure:(\d{4}_\d{1,4})", clean(ident.findtext("VALUE")))
        if m and not number:
            number = m.group(1)
    year, num = (
        _value(dossier, "PROCEDURE_CODE_INTERINSTITUTIONAL_YEAR_PROCEDURE"),
        _value(dossier, "PROCEDURE_CODE_INTERINSTITUTIONAL_NUMBER_PROCEDURE"),
    )
    if not number and year and num:
        number = f"{year}_{num}"
    concepts = [
        dossier.find("PROCEDURE_CODE_INTERINSTITUTIONAL_HAS_TYPE_CONCEPT_TYPE_PROCEDURE_CODE_INTERINSTITUTIONAL"),
        *root.iter("EVENT_LEGAL_WAS_HISTORICALLY_ABOUT_CONCEPT_TYPE_PROCEDURE_CODE_INTERINSTITUTIONAL"),
    ]
    kind = next((t for t in (_procedure_type(c) for c in concepts) if t), None)
    return f"{number.replace('_', '/')}({kind})" if number and kind else number


def _dossier(root, url: str) -> Procedure:
    kind = "Cellar tree notice"
    dossier = root.find("DOSSIER")
    try:
        reference = normalise_procedure(_dossier_reference(root, dossier))
    except IdentifierError as e:
        raise fail(url, kind, f"DOSSIER has no usable procedure reference: {e}") from None
    title = ""
    for tag in ("TITLE", "DOSSIER_TITLE"):
        for element in dossier.findall(tag):
            if clean(element.findtext("LANG")) == "en" and clean(element.findtext("VALUE")):
                title = clean(element.findtext("VALUE"))
                break
        if title:
            break
    events: dict[tuple, Event] = {}
    documents: list[str] = []
    # Events may sit at the top of the notice or deeper (inside the dossier, inside another
    # event's embedded notice): every EVENT is one, once.
    for element in root.iter("EVENT"):
        when = parse_date(clean(element.findtext("EVENT_LEGAL_DATE/VALUE")))
        what = clean(element.findtext("EVENT_LEGAL_HAS_TYPE_CONCEPT_TYPE_EVENT_LEGAL/PREFLABEL"))
        if when is None or not what:
            continue
        linked: list[str] = []
        for path in ("EVENT_LEGAL_CONTAINS_WORK", "CONTAINS"):
            for contained in element.findall(path):
                linked += [f"celex:{c}" for c in _celex_of(contained)]
        linked = list(dict.fromkeys(linked))
        actor = clean(element.findtext("EVENT_LEGAL_INITIATED_BY_INSTITUTION/PREFLABEL")) or actor_from_title(what)
        events.setdefault((when, what, actor), Event(date=when, title=what, actor=actor, documents=tuple(linked)))
        documents += linked
    for path in ("DOSSIER_INITIATED_BY_ACT_PREPARATORY", "CONTAINS", "DOSSIER_PRODUCES_RESOURCE_LEGAL"):
        for link in dossier.findall(path):
            documents += [f"celex:{c}" for c in _celex_of(link)]
    for work in root.iter("WORK"):  # works embedded anywhere below the top level
        documents += [f"celex:{c}" for c in _celex_of(work) if not c.startswith("1")]
    final_acts = [c for link in dossier.findall("DOSSIER_PRODUCES_RESOURCE_LEGAL") for c in _celex_of(link)]
    final_act = next((c for c in final_acts if c.startswith("3")), None)
    if final_act is None:
        published = [e for e in events.values() if "official journal" in e.title.lower()]
        final_act = next((d[6:] for e in published for d in e.documents if d.startswith("celex:3")), None)
    if not title:
        title = f"Procedure {reference}"
    withdrawn = _value(dossier, "DOSSIER_WITHDRAWN-PROPOSAL") == "true"
    latest = max(events.values(), key=lambda e: e.date) if events else None
    return Procedure(
        id=f"proc:{reference}",
        reference=reference,
        title=title,
        source="cellar",
        url=procedure_url(reference),
        stage=latest.title if latest else "",
        status=procedure_status(list(events.values()), final_act=final_act, stated="withdrawn" if withdrawn else ""),
        events=tuple(events.values()),
        documents=tuple(dict.fromkeys(documents)),
        final_act=final_act,
    )
