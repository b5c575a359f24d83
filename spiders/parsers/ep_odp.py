"""European Parliament Open Data Portal, API v2 (JSON-LD): procedures, documents, meetings.

The feeds (Atom) are read by ``ep_odp_feed``."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date
from functools import lru_cache
from typing import Any

from policytrack.errors import IdentifierError
from policytrack.identifiers import find_procedures, normalise_procedure
from policytrack.model import KEY_PLAYER_ROLES, Document, Event, KeyPlayer, Procedure

from .common import (
    Body,
    clean,
    completes,
    doc_type_from_words,
    fail,
    load_json,
    parse_date,
    procedure_status,
)
from .ep_names import group_name, known_group
from .ep_odp_records import Activity, Participation, processes

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


_TAG = re.compile(r"<[^>]{0,500}>")


def _plain(text: str) -> str:
    """Text without the HTML markup some records carry (``<p>…</p>``), entities decoded."""
    if "<" in text or "&" in text:
        text = html.unescape(_TAG.sub(" ", text))
    return clean(text)


def _label(values: Any) -> str:
    if isinstance(values, dict):
        return _plain(values.get("en") or "") if isinstance(values.get("en"), str) else ""
    if isinstance(values, str):
        return _plain(values)
    return ""


def _humanise(code: Any) -> str:
    """``def/ep-activities/PLENARY_VOTE`` → ``Plenary vote``."""
    if not isinstance(code, str) or not code:
        return ""
    return _humanise_code(code)


# Activity types whose code reads badly once humanised.
_ACTIVITY_TITLES = {
    "PUBLICATION_OFFICIAL_JOURNAL": "Publication in the Official Journal",
    "SIGNATURE": "Signature of the act",
    "REFERRAL": "Referral",
}


@lru_cache(maxsize=1024)  # a few dozen activity and work types, met again in every record
def _humanise_code(code: str) -> str:
    last = code.rstrip("/").rsplit("/", 1)[-1]
    if last in _ACTIVITY_TITLES:
        return _ACTIVITY_TITLES[last]
    words = last.replace("_", " ").strip().lower()
    return words[:1].upper() + words[1:]


# What the parts of an activity id stand for, for activities the record gives no type.
_ID_CODES = {
    "DCPL": "Decision by Parliament",
    "PLEIN1": "Plenary endorsement of the committee's decision to negotiate",
    "ADCP": "Committee decision",
    "VOAGT": "Committee vote on the provisional agreement",
    "REFBAK": "Referral back to committee",
    "ANPRO": "Referral announced in plenary",
    "DEPOT": "Tabling",
    "PUB": "Publication in the Official Journal",
    "SIGN": "Signature of the act",
    "TRI1": "Interinstitutional negotiation",
}


@lru_cache(maxsize=1024)
def _title_from_id(activity_id: str, record_type: str) -> str:
    """A readable title for an activity without a type: what its id's codes say
    (``2024-2006-DEC-DCPL-2024-04-24`` is a decision by Parliament), else its kind ("Decision")."""
    for part in activity_id.split("-"):
        if part in _ID_CODES:
            return _ID_CODES[part]
    return _humanise_code(record_type) if record_type else "Activity"


def _doc_ids(values: Any) -> list[str]:
    """The EP documents (``eli/dl/doc/A-9-2024-0163`` → ``ep:A-9-2024-0163``) and the final acts
    (a CELEX number, a Cellar celex URI, an Official Journal ELI → ``celex:32024R1689``) a list
    of a record's links names."""
    if isinstance(values, str):
        values = [values]
    elif not isinstance(values, list):
        return []
    out: list[str] = []
    for value in values:
        if isinstance(value, str):
            out += _linked(value)
    return out


@lru_cache(maxsize=8192)  # a procedure names the same documents activity after activity
def _linked(value: str) -> tuple[str, ...]:
    if value.startswith("eli/dl/doc/"):
        return (f"ep:{value[11:]}",) if _DOC_ID.match(value) else ()
    if "celex" in value.lower() or "/oj" in value:
        return tuple(f"celex:{act}" for act in _acts(value))
    return ()


# A final act named in a record: a CELEX number, a Cellar celex URI or an Official Journal ELI.
_ACT = re.compile(r"(?:CELEX:|/celex/)(3\d{4}[A-Z]\d{4})|eli/(reg|dir|dec)(?:_impl|_del)?/(\d{4})/(\d{1,5})/oj", re.I)
_ELI_LETTER = {"reg": "R", "dir": "L", "dec": "D"}


def _acts(value: str) -> list[str]:
    return [
        m[1].upper() if m[1] else f"3{m[3]}{_ELI_LETTER[m[2].lower()]}{int(m[4]):04d}" for m in _ACT.finditer(value)
    ]


_EP = "European Parliament"


def _events(activities: list[Activity] | None, forecast: bool) -> list[Event]:
    """The events of a record's activities, in one tight loop: a procedure has dozens."""
    out = []
    for activity in activities or ():
        day = activity.activity_date
        when = _day(day) if day else None
        if when is None:
            continue
        kind = activity.had_activity_type
        title, actor = _said(kind) if kind else _said_by_id(activity.activity_id or "", activity.type or "")
        # (written out: most activities link none of the four kinds of document)
        docs: tuple[str, ...] = ()
        based, decided = activity.based_on_a_realization_of, activity.decided_on_a_realization_of
        recorded, documented = activity.recorded_in_a_realization_of, activity.documented_by_a_realization_of
        if based:
            docs = _linked(based[0]) if len(based) == 1 else _links(based)
        if decided:
            docs += _links(decided)
        if recorded:
            docs += _links(recorded)
        if documented:
            docs += _links(documented)
        out.append(Event(when, title, actor, docs, "", forecast))
    return out


@lru_cache(maxsize=1024)  # a few dozen activity types
def _said(activity_type: str) -> tuple[str, str]:
    """An activity type's title and the institution that acts."""
    title = _humanise_code(activity_type)
    return title, _ACTORS.get(title, _EP)


@lru_cache(maxsize=1024)
def _said_by_id(activity_id: str, record_type: str) -> tuple[str, str]:
    title = _title_from_id(activity_id, record_type)
    return title, _ACTORS.get(title, _EP)


def _links(values: list[str]) -> tuple[str, ...]:
    if len(values) == 1:
        return _linked(values[0])
    return tuple([d for value in values for d in _linked(value)])


@lru_cache(maxsize=8192)  # a few hundred days, met again activity after activity
def _day(text: str) -> date | None:
    return parse_date(text)


_ACTORS = {"Publication in the Official Journal": "Publications Office of the European Union"}
# The participation roles of the EP's vocabulary (``def/ep-roles``, tests/fixtures/real/ep-odp/
# controlled-vocabularies.json) that say who carries a procedure: the key-player role of each,
# and whether a person in it acts for the committee responsible when the record names none.
# (Every narrower role of COMMITTEE_LEAD, COMMITTEE_OPINION and RAPPORTEUR is here: a test walks
# the vocabulary. Chairs, members, authors and the other institutions' roles are not key players.)
_ROLES: dict[str, tuple[str, bool]] = {
    "COMMITTEE_LEAD": ("committee responsible", False),
    "COMMITTEE_LEAD_JOINT": ("committee responsible", False),
    "COMMITTEE_OPINION": ("committee for opinion", False),
    "COMMITTEE_OPINION_ASSOCIATED": ("committee for opinion", False),
    "COMMITTEE_OPINION_DA_AI": ("committee for opinion", False),
    "COMMITTEE_OPINION_HUMAN_RIGHTS": ("committee for opinion", False),
    "COMMITTEE_OPINION_LEGAL_BASIS": ("committee for opinion", False),
    "COMMITTEE_OPINION_RECAST": ("committee for opinion", False),
    "COMMITTEE_BUDGETARY_ASSESSMENT": ("committee for opinion", False),
    "RAPPORTEUR": ("rapporteur", True),
    "RAPPORTEUR_CO": ("rapporteur", True),
    "RAPPORTEUR_CHAIR": ("rapporteur", True),
    "RAPPORTEUR_OPINION": ("rapporteur for opinion", False),
    "RAPPORTEUR_CHAIR_OPINION": ("rapporteur for opinion", False),
    "RAPPORTEUR_SHADOW": ("shadow rapporteur", True),
    "RAPPORTEUR_SHADOW_REPORT": ("shadow rapporteur", True),
    # (for an opinion: the record does not say which committee's, when there are several)
    "RAPPORTEUR_SHADOW_OPINION": ("shadow rapporteur", False),
}
_ROLE_ORDER = {role: i for i, role in enumerate(KEY_PLAYER_ROLES)}
# The record names people by their number in the EP's register (``person/256884``); their names
# are in the API's MEP records (``meps/256884``), which the spider asks for. Until then a person
# is shown by this label, never by the bare identifier.
_PERSON = re.compile(r"^(?:https?://data\.europarl\.europa\.eu/)?person/(\d{1,12})$")
_PERSON_LABEL = re.compile(r"^MEP (\d{1,12})$")


def person_label(person_id: str) -> str:
    """``256884`` → ``MEP 256884``: how a person whose name is not known yet is shown."""
    return f"MEP {person_id}"


@lru_cache(maxsize=4096)  # the same few hundred people recur record after record
def _person(value: str) -> str:
    """A participant as a name: ``person/256884`` → ``MEP 256884``; a value that is no person
    reference but reads as a name is kept; anything else (another kind of link) gives ""."""
    m = _PERSON.match(value.strip())
    if m:
        return person_label(m[1])
    return "" if "/" in value or ":" in value else clean(value)


def _code(value: Any) -> str:
    return _last_segment(value) if isinstance(value, str) else ""


@lru_cache(maxsize=1024)  # roles, groups and committees: a few dozen codes
def _last_segment(value: str) -> str:
    return value.rsplit("/", 1)[-1]


@lru_cache(maxsize=256)
def _role(participation_role: str) -> tuple[str, bool] | None:
    return _ROLES.get(participation_role.rsplit("/", 1)[-1])


@lru_cache(maxsize=16384)  # a crawl meets the same committees and people, in the same roles, again and again
def _player(
    participation_role: str, who: str, organisation: bool, in_name_of: str | None, group: str | None, lead: str
) -> tuple[int, KeyPlayer] | None:
    """One participant of a participation as a key player (with the rank of its role), or None
    when the role is no key player's or the participant no one readable."""
    found = _role(participation_role)
    if found is None:
        return None
    role, for_lead = found
    if organisation:
        code = _last_segment(who)
        return (_ROLE_ORDER[role], KeyPlayer(role, code, code)) if code else None
    name = _person(who)
    if not name:
        return None
    committee = _last_segment(in_name_of) if in_name_of else ""
    return _ROLE_ORDER[role], KeyPlayer(
        role,
        name,
        committee or (lead if for_lead else ""),
        group_name(_last_segment(group)) if group else "",
    )


def _key_players(parts: list[Participation]) -> list[KeyPlayer]:
    """The committees (responsible, for opinion) and the rapporteurs, shadow rapporteurs and
    rapporteurs for opinion (with the committee they act for and their group) of a record's
    participations; the types leave strings and lists only."""
    lead = ""  # the committee responsible: rapporteurs and shadows act for it unless said otherwise
    for part in parts:
        role = part.participation_role
        if role and part.had_participant_organization and _role(role) in _LEAD_ROLES:
            lead = next((c for c in map(_last_segment, part.had_participant_organization) if c), "")
            if lead:
                break
    ranked = []
    for i, part in enumerate(parts):
        role = part.participation_role
        if not role:
            continue
        in_name_of, group, rank = part.participation_in_name_of, part.politicalGroup, part.precedenceOrder or 0
        for who in part.had_participant_organization or ():
            player = _player(role, who, True, in_name_of, group, lead)
            if player is not None:
                ranked.append((player[0], rank, who, i, player[1]))
        for who in part.had_participant_person or ():
            player = _player(role, who, False, in_name_of, group, lead)
            if player is not None:
                ranked.append((player[0], rank, who, i, player[1]))
    # In a stable order (the record's own order varies): by role, then as the EP ranks people.
    ranked.sort()
    return [r[-1] for r in ranked]


_LEAD_ROLES = (("committee responsible", False),)


def unnamed_people(procedures: Sequence[Procedure]) -> list[str]:
    """The register numbers of the people the procedures still show by their label (``MEP 256884``)."""
    out: dict[str, None] = {}
    for procedure in procedures:
        for player in procedure.key_players:
            m = _PERSON_LABEL.match(player.name)
            if m:
                out[m[1]] = None
    return list(out)


def with_names(procedure: Procedure, names: Mapping[str, str]) -> Procedure:
    """The procedure with the people it shows by their label named (``MEP 103246`` → ``Auke
    ZIJLSTRA``) where ``names`` (register number → name) knows them; the others keep the label."""
    players = []
    changed = False
    for player in procedure.key_players:
        m = _PERSON_LABEL.match(player.name)
        name = names.get(m[1]) if m else None
        if name:
            player = KeyPlayer(player.role, name, player.committee, player.group)
            changed = True
        players.append(player)
    return replace(procedure, key_players=tuple(players)) if changed else procedure


def parse_procedure(body: Body, url: str = "") -> list[Procedure]:
    """``/api/v2/procedures/2025-0260`` → one Procedure per ``Process`` record: its activities and
    foreseen activities, the committees and (shadow) rapporteurs with their groups, and the
    stage and status that signature and Official Journal publication give."""
    kind = "EP Open Data procedure"
    out = []
    for record in processes(body, url, kind):
        if record.type != "Process":
            continue
        label = record.label
        try:
            if isinstance(label, str) and label:
                reference = normalise_procedure(label)
            else:
                reference = normalise_procedure(str(record.process_id), _humanise(record.process_type).upper() or None)
        except IdentifierError as e:
            raise fail(url, kind, f"bad procedure reference: {e}") from None
        title = _label(record.process_title.en) if record.process_title is not None else ""
        events = _events(record.consists_of, False) + _events(record.was_scheduled_in, True)
        documents = _doc_ids(record.created_a_realization_of)
        done = [e for e in events if not e.forecast and completes(e.title)]
        acts = [d[6:] for d in documents if d.startswith("celex:3")]
        acts += [d[6:] for e in done for d in e.documents if d.startswith("celex:3")]
        final_act = acts[0] if acts else None
        status = procedure_status(events, final_act=final_act)
        if status == "completed":
            stage = max(done, key=lambda e: e.date).title if done else "Procedure completed"
        else:
            stage_code = record.current_stage
            stage = _PHASES.get(stage_code.rsplit("/", 1)[-1], "") if isinstance(stage_code, str) else ""
        out.append(
            Procedure(
                id=f"proc:{reference}",
                reference=reference,
                title=title or f"Procedure {reference}",
                source="ep-odp",
                url=url or procedure_url(reference.replace("/", "-")[:9]),
                stage=stage,
                status=status,
                events=tuple(events),
                documents=tuple(documents),
                final_act=final_act,
                key_players=tuple(_key_players(record.had_participation or [])),
            )
        )
    if not out:
        raise fail(url, kind, "no 'Process' record")
    return out


def parse_person(body: Body, url: str = "") -> tuple[str, str]:
    """``/api/v2/meps/103246`` → (``103246``, ``Auke ZIJLSTRA``): the register number and name of
    the ``Person`` the answer holds (its ``label``, else its given and family names)."""
    kind = "EP Open Data MEP record"
    for record in _records(body, url, kind):
        if record.get("type") != "Person":
            continue
        identifier = record.get("identifier")
        m = _PERSON.match(record.get("id") or "") if isinstance(record.get("id"), str) else None
        number = identifier if isinstance(identifier, str) and identifier.isdigit() else (m[1] if m else "")
        name = _label(record.get("label"))
        if not name:
            family = _label(record.get("upperFamilyName")) or _label(record.get("familyName"))
            name = clean(f"{_label(record.get('givenName'))} {family}") if family else ""
        if number and name and len(name) <= 200:
            return number, name
    raise fail(url, kind, "no 'Person' record with a register number and a name")


# Publications Office corporate bodies that are not groups or committees.
_BODIES = {
    "EP": "European Parliament",
    "EU_PARLIAMENT": "European Parliament",
    "COM": "European Commission",
    "CONSIL": "Council of the European Union",
}


def _author(creator: Any) -> str:
    """A document's creator as a name: a committee code (``org/AFCO``), a political group
    (``org/S-D``, ``…/corporate-body/EP_GROUP_PPE``), an institution; people are left out
    (the record names them by number only)."""
    if not isinstance(creator, str) or creator.startswith("person/"):
        return ""
    code = creator.rstrip("/").rsplit("/", 1)[-1]
    group = known_group(code)
    if group:
        return group
    if code in _BODIES:
        return _BODIES[code]
    if "corporate-body/" in creator and code.startswith("EP_") and len(code) > 3:
        return code[3:]  # a committee: EP_AGRI
    return clean(code)


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
        expressions = record.get("is_realized_by") or []
        for expression in [expressions] if isinstance(expressions, dict) else expressions:  # (a set of one)
            if isinstance(expression, dict) and str(expression.get("id", "")).endswith("/en"):
                title = title or _label(expression.get("title"))
                alternative = _label(expression.get("title_alternative"))
        if not title:
            continue
        procs = find_procedures(alternative) or find_procedures(title)
        creators = record.get("creator")
        authors = [_author(c) for c in (creators if isinstance(creators, list) else [creators])]
        out.append(
            Document(
                id=f"ep:{identifier}",
                title=title,
                source="ep-odp",
                url=url or document_url(identifier),
                doc_type=doc_type_from_words(_humanise(record.get("work_type"))),
                procedure=procs[0] if procs else None,
                procedures=tuple(procs),
                date=parse_date(record.get("document_date")),
                authors=tuple(dict.fromkeys(a for a in authors if a)),
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
