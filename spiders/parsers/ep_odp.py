"""European Parliament Open Data Portal, API v2 (JSON-LD): procedures, documents, meetings.

The feeds (Atom) are read by ``ep_odp_feed``."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from policytrack.errors import IdentifierError
from policytrack.identifiers import find_procedures, normalise_procedure
from policytrack.model import Document, Event, KeyPlayer, Procedure

from .common import Body, clean, doc_type_from_words, fail, load_json, parse_date

ODP = "https://data.europarl.europa.eu"
API = f"{ODP}/api/v2"
# Publications Office "procedure-phase" authority codes the API uses for current_stage.
_PHASES = {
    "RDG1": "First reading",
    "RDG2": "Second reading",
    "RDG3": "Third reading",
    "RDGS": "Single reading",
    "CONC": "Conciliation",
    "PREP": "Preparatory phase",
}
_DOC_ID = re.compile(r"^eli/dl/doc/([A-Za-z0-9\-]+)$")


def procedure_url(ep_id: str) -> str:
    return f"{API}/procedures/{ep_id}?format=application%2Fld%2Bjson"


def document_url(identifier: str) -> str:
    return f"{API}/plenary-documents/{identifier}?format=application%2Fld%2Bjson"


def _records(body: Body, url: str, kind: str) -> list[dict[str, Any]]:
    data = load_json(body, url, kind)
    if not isinstance(data, dict) or not isinstance(data.get("data"), list):
        raise fail(url, kind, "not a JSON-LD response with a 'data' list")
    return [r for r in data["data"] if isinstance(r, dict)]


def _label(values: Any) -> str:
    if isinstance(values, dict):
        return clean(values.get("en") or "")
    return clean(values) if isinstance(values, str) else ""


def _humanise(code: Any) -> str:
    """``def/ep-activities/PLENARY_VOTE`` → ``Plenary vote``."""
    if not isinstance(code, str) or not code:
        return ""
    return _humanise_code(code)


@lru_cache(maxsize=1024)  # a few dozen activity and work types, met again in every record
def _humanise_code(code: str) -> str:
    words = code.rstrip("/").rsplit("/", 1)[-1].replace("_", " ").strip().lower()
    return words[:1].upper() + words[1:]


def _doc_ids(values: Any) -> list[str]:
    if isinstance(values, str):
        values = [values]
    elif not isinstance(values, list):
        return []
    out = []
    for value in values:
        m = _DOC_ID.match(value) if isinstance(value, str) else None
        if m:
            out.append(f"ep:{m.group(1)}")
    return out


_EVENT_DOC_KEYS = (
    "based_on_a_realization_of",
    "decided_on_a_realization_of",
    "recorded_in_a_realization_of",
    "documented_by_a_realization_of",
)


def _event(record: dict[str, Any], forecast: bool) -> Event | None:
    when = parse_date(record.get("activity_date"))
    title = _humanise(record.get("had_activity_type")) or clean(record.get("activity_id"))
    if when is None or not title:
        return None
    docs = []
    for key in _EVENT_DOC_KEYS:
        values = record.get(key)
        if values is not None:  # most activities link none of the four
            docs += _doc_ids(values)
    return Event(date=when, title=title, actor="European Parliament", documents=tuple(docs), forecast=forecast)


def parse_procedure(body: Body, url: str = "") -> list[Procedure]:
    """``/api/v2/procedures/2025-0260`` → one Procedure per ``Process`` record."""
    kind = "EP Open Data procedure"
    out = []
    for record in _records(body, url, kind):
        if record.get("type") != "Process":
            continue
        label = record.get("label")
        process_type = record.get("process_type")
        try:
            if isinstance(label, str) and label:
                reference = normalise_procedure(label)
            else:
                reference = normalise_procedure(str(record.get("process_id")), _humanise(process_type).upper() or None)
        except IdentifierError as e:
            raise fail(url, kind, f"bad procedure reference: {e}") from None
        title = _label(record.get("process_title")) or f"Procedure {reference}"
        events = [e for e in (_event(r, False) for r in record.get("consists_of") or [] if isinstance(r, dict)) if e]
        events += [
            e for e in (_event(r, True) for r in record.get("was_scheduled_in") or [] if isinstance(r, dict)) if e
        ]
        stage_code = record.get("current_stage")
        stage = _PHASES.get(stage_code.rsplit("/", 1)[-1], "") if isinstance(stage_code, str) else ""
        documents = _doc_ids(record.get("created_a_realization_of"))
        key_players = []
        for part in record.get("had_participation") or []:
            if (
                isinstance(part, dict)
                and isinstance(part.get("participation_role"), str)
                and "COMMITTEE_LEAD" in part["participation_role"]
            ):
                orgs = part.get("had_participant_organization") or []
                key_players += [
                    KeyPlayer(role="committee responsible", name=o.rsplit("/", 1)[-1])
                    for o in orgs
                    if isinstance(o, str)
                ]
        out.append(
            Procedure(
                id=f"proc:{reference}",
                reference=reference,
                title=title,
                source="ep-odp",
                url=url or procedure_url(reference.replace("/", "-")[:9]),
                stage=stage,
                status="ongoing",
                events=tuple(events),
                documents=tuple(documents),
                key_players=tuple(key_players),
            )
        )
    if not out:
        raise fail(url, kind, "no 'Process' record")
    return out


def parse_document(body: Body, url: str = "") -> list[Document]:
    """``/api/v2/plenary-documents/A-9-2024-0163`` → one Document per ``Work`` record."""
    kind = "EP Open Data document"
    out = []
    for record in _records(body, url, kind):
        identifier = record.get("identifier")
        if (
            record.get("type") != "Work"
            or not isinstance(identifier, str)
            or not re.match(r"^[A-Za-z0-9\-]+$", identifier)
        ):
            continue
        title = _label(record.get("title_dcterms"))
        alternative = ""
        for expression in record.get("is_realized_by") or []:
            if isinstance(expression, dict) and str(expression.get("id", "")).endswith("/en"):
                title = title or _label(expression.get("title"))
                alternative = _label(expression.get("title_alternative"))
        if not title:
            continue
        procs = find_procedures(alternative)
        authors = [
            clean(c.rsplit("/", 1)[-1])
            for c in record.get("creator") or []
            if isinstance(c, str) and c.startswith("org/")
        ]
        out.append(
            Document(
                id=f"ep:{identifier}",
                title=title,
                source="ep-odp",
                url=url or document_url(identifier),
                doc_type=doc_type_from_words(_humanise(record.get("work_type"))),
                procedure=procs[0] if procs else None,
                date=parse_date(record.get("document_date")),
                authors=tuple(authors),
                summary=alternative,
            )
        )
    if not out:
        raise fail(url, kind, "no 'Work' record with an identifier and an English title")
    return out


_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_ELI_DL = "http://data.europa.eu/eli/eli-draft-legislation-ontology#"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def _english_label(activity) -> str:
    for label in activity.findall(f"{{{_ELI_DL}}}activity_label"):
        if label.get(_XML_LANG) == "en":
            return clean(label.text)
    return ""


def parse_meeting(body: Body, url: str = "") -> list[Document]:
    """``/api/v2/meetings/MTG-PL-2024-07-16`` (RDF/XML) → one Document: the sitting and its agenda."""
    from .common import load_xml

    kind = "EP Open Data meeting"
    root = load_xml(body, url, kind)
    if root.tag != f"{{{_RDF}}}RDF":
        raise fail(url, kind, f"root element is {str(root.tag)[:80]!r}, not rdf:RDF")
    meeting = None
    for activity in root.findall(f"{{{_ELI_DL}}}Activity"):
        about = activity.get(f"{{{_RDF}}}about") or ""
        if re.search(r"/event/MTG-[A-Z]+-\d{4}-\d{2}-\d{2}$", about):
            meeting = activity
            break
    if meeting is None:
        raise fail(url, kind, "no meeting Activity (…/event/MTG-…)")
    identifier = meeting.get(f"{{{_RDF}}}about").rsplit("/", 1)[-1]
    when = parse_date(identifier)
    items = []
    for part in meeting.findall(f"{{{_ELI_DL}}}consists_of/{{{_ELI_DL}}}Activity"):
        label = _english_label(part)
        if label and label not in items:
            items.append(label)
    items.sort(key=lambda label: (int(label.split(".", 1)[0]) if label.split(".", 1)[0].isdigit() else 10**6, label))
    text = "\n".join(items)
    procs = find_procedures(text)
    title = (
        _english_label(meeting) or f"European Parliament plenary sitting of {when.isoformat() if when else identifier}"
    )
    return [
        Document(
            id=f"ep:{identifier}",
            title=title,
            source="ep-odp",
            url=url or f"{API}/meetings/{identifier}",
            doc_type="other",
            procedure=procs[0] if procs else None,
            date=when,
            authors=("European Parliament",),
            text=text,
        )
    ]
