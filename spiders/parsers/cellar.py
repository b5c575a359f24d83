"""Cellar XML notices: a branch notice of a WORK (an act) and a tree notice of a DOSSIER."""

from __future__ import annotations

from policytrack.errors import IdentifierError
from policytrack.identifiers import is_celex, normalise_celex, normalise_procedure, parse_eli
from policytrack.model import Document, Event, Procedure

from .common import Body, clean, doc_type_from_celex, doc_type_from_words, fail, load_xml, parse_date
from .eurlex import document_url, procedure_url

_COMPLETED = ("publication in the official journal", "signature by the president")


def _value(element, path: str) -> str:
    found = element.find(path)
    return clean(found.findtext("VALUE")) if found is not None else ""


def _celex_of(element) -> list[str]:
    """CELEX numbers an element links to (through SAMEAS URIs of type celex)."""
    out = []
    for uri in element.iter("URI"):
        if clean(uri.findtext("TYPE")) == "celex":
            ident = clean(uri.findtext("IDENTIFIER"))
            if is_celex(ident):
                celex = normalise_celex(ident)
                if celex not in out:
                    out.append(celex)
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


def _work(root, work, url: str) -> Document:
    kind = "Cellar branch notice"
    celex_raw = _value(work, "RESOURCE_LEGAL_ID_CELEX") or _value(work, "ID_CELEX")
    if not is_celex(celex_raw):
        raise fail(url, kind, f"WORK has no CELEX number ({celex_raw[:40]!r})")
    celex = normalise_celex(celex_raw)
    title = ""
    for expression in root.findall("EXPRESSION"):
        lang = clean(expression.findtext("EXPRESSION_USES_LANGUAGE/IDENTIFIER"))
        if lang in ("ENG", "") and _value(expression, "EXPRESSION_TITLE"):
            title = _value(expression, "EXPRESSION_TITLE")
            if lang == "ENG":
                break
    if not title:
        raise fail(url, kind, f"{celex} has no English title")
    eli = None
    try:
        raw_eli = _value(work, "RESOURCE_LEGAL_ELI")
        eli = str(parse_eli(raw_eli)) if raw_eli else None
    except IdentifierError:
        eli = None
    dates = {}
    in_force = parse_date(_value(work, "RESOURCE_LEGAL_DATE_ENTRY-INTO-FORCE"))
    if in_force:
        dates["entry_into_force"] = in_force
    deadlines = sorted(
        d for d in (parse_date(clean(e.findtext("VALUE"))) for e in work.findall("RESOURCE_LEGAL_DATE_DEADLINE")) if d
    )
    for i, d in enumerate(deadlines, 1):
        dates["deadline" if i == 1 else f"deadline_{i}"] = d
    published = work.find("RESOURCE_LEGAL_PUBLISHED_IN_OFFICIAL-JOURNAL")
    if published is not None:
        pub = parse_date(clean(published.findtext(".//DATE_PUBLICATION/VALUE")))
        if pub:
            dates["publication"] = pub
    procedure = None
    for path in ("WORK_PART_OF_DOSSIER", "RESOURCE_LEGAL_PRODUCED_BY_DOSSIER"):
        ref = clean(work.findtext(f"{path}//PROCEDURE_CODE_INTERINSTITUTIONAL_REFERENCE_PROCEDURE/VALUE"))
        if ref:
            try:
                procedure = normalise_procedure(ref)
                break
            except IdentifierError:
                continue
    act_type = clean(work.findtext("RESOURCE_LEGAL_HAS_TYPE_ACT_CONCEPT_TYPE_ACT/PREFLABEL"))
    doc_type = doc_type_from_celex(celex)
    if doc_type == "other" and act_type:
        doc_type = doc_type_from_words(act_type)
    authors = [clean(a.findtext("PREFLABEL")) for a in work.findall("WORK_CREATED_BY_AGENT")]
    eurovoc = [clean(c.findtext(".//PREFLABEL")) for c in work.findall("WORK_IS_ABOUT_CONCEPT_EUROVOC")]
    return Document(
        id=f"celex:{celex}",
        title=title,
        source="cellar",
        url=url or document_url(celex),
        doc_type=doc_type,
        celex=celex,
        eli=eli,
        procedure=procedure,
        date=parse_date(_value(work, "WORK_DATE_DOCUMENT") or _value(work, "DATE_DOCUMENT")),
        dates=dates,
        authors=tuple(a for a in authors if a),
        eurovoc=tuple(e for e in eurovoc if e),
    )


def _dossier(root, url: str) -> Procedure:
    kind = "Cellar tree notice"
    dossier = root.find("DOSSIER")
    ref = _value(dossier, "PROCEDURE_CODE_INTERINSTITUTIONAL_REFERENCE_PROCEDURE") or _value(
        dossier, "REFERENCE_PROCEDURE"
    )
    try:
        reference = normalise_procedure(ref)
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
    events, documents = [], []
    for element in root.findall("EVENT"):
        when = parse_date(clean(element.findtext("EVENT_LEGAL_DATE/VALUE")))
        what = clean(element.findtext("EVENT_LEGAL_HAS_TYPE_CONCEPT_TYPE_EVENT_LEGAL/PREFLABEL"))
        if when is None or not what:
            continue
        linked = []
        for contained in element.findall("EVENT_LEGAL_CONTAINS_WORK"):
            linked += [f"celex:{c}" for c in _celex_of(contained)]
        actor = clean(element.findtext("EVENT_LEGAL_INITIATED_BY_INSTITUTION/PREFLABEL"))
        events.append(Event(date=when, title=what, actor=actor, documents=tuple(linked)))
        documents += linked
    final_acts = (
        _celex_of(dossier.find("DOSSIER_PRODUCES_RESOURCE_LEGAL"))
        if dossier.find("DOSSIER_PRODUCES_RESOURCE_LEGAL") is not None
        else []
    )
    final_act = next((c for c in final_acts if c.startswith("3")), None)
    if not title:
        title = f"Procedure {reference}"
    withdrawn = _value(dossier, "DOSSIER_WITHDRAWN-PROPOSAL") == "true"
    completed = final_act is not None or any(e.title.lower() in _COMPLETED for e in events)
    status = "withdrawn" if withdrawn else "completed" if completed else "ongoing"
    latest = max(events, key=lambda e: e.date) if events else None
    return Procedure(
        id=f"proc:{reference}",
        reference=reference,
        title=title,
        source="cellar",
        url=procedure_url(reference),
        stage=latest.title if latest else "",
        status=status,
        events=tuple(events),
        documents=tuple(documents),
        final_act=final_act,
    )
