"""One merged dossier from what every source said: records in, merged item out (pure functions).

The store keeps, per item id, one record per source (and, for a procedure, the documents that
name it). ``merge`` derives the item everybody reads from all of them:

* the timeline is the union of every source's events; the same step reported by several
  sources (same date, same step: ``policytrack.timeline.step_key``) is one event that lists
  them all;
* each field is taken by a precedence rule (``PRECEDENCE``) and records which sources gave it
  (``provenance``); where sources disagree the other values are kept (``disagreements``);
* stage and status come from the merged timeline (``timeline.stage_and_status``).

A record only ever replaces the earlier record of the same source, so re-crawling one source
never erases what another gave. See docs/dossiers.md for the rules in prose.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from .errors import IdentifierError
from .identifiers import celex_and_base, parse_celex
from .model import Disagreement, Document, Event, KeyPlayer, Procedure
from .timeline import ONCE, STEP_TITLES, Stated, stage_and_status, step_key, step_of

Item = Document | Procedure

# Source names as the parsers write them, and as people read them.
SOURCE_NAMES = {
    "oeil": "Legislative Observatory (OEIL)",
    "ep-odp": "EP Open Data API",
    "ep": "European Parliament documents",
    "ep-press": "EP press service",
    "eurlex": "EUR-Lex",
    "cellar": "Cellar (Publications Office)",
    "timeline": "the merged timeline",
}
PARLIAMENT = ("oeil", "ep-odp", "ep", "ep-press")
OFFICIAL = ("cellar", "eurlex")
# Who is believed first, field by field (a source not listed comes after the listed ones).
PRECEDENCE: dict[str, tuple[str, ...]] = {
    # Procedures: the Parliament's files for the dossier, its steps and its key players; the
    # Official Journal (Cellar, EUR-Lex) for the adopted act and the dates of signature and
    # publication.
    "procedure": PARLIAMENT + OFFICIAL,
    "final_act": OFFICIAL + PARLIAMENT,
    "once_steps": OFFICIAL + PARLIAMENT,
    # Documents: a page a person can read for the title and link; the official registries for
    # identifiers, dates and type.
    "document": ("eurlex", "ep", "oeil", "ep-press", "cellar", "ep-odp"),
    "document_facts": ("cellar", "eurlex", "ep-odp", "ep", "oeil", "ep-press"),
}
# Bumped when the merge or topic rules change: the store then derives every item again.
MERGE_VERSION = 3
_ACT_TYPES = ("regulation", "directive", "decision")


@dataclass(frozen=True)
class SourceRecord:
    """What one source said about one item. ``origin`` is empty for the item itself, or the id
    of the document the record was derived from (a document's facts about its procedure)."""

    source: str
    item: Item
    origin: str = ""


def rank(source: str, field: str) -> tuple[int, str]:
    order = PRECEDENCE[field]
    return (order.index(source) if source in order else len(order), source)


def _ordered(records: Iterable[SourceRecord], field: str) -> list[SourceRecord]:
    return sorted(records, key=lambda r: (*rank(r.source, field), r.origin))


def _union(values: Iterable[Iterable[str]]) -> tuple[str, ...]:
    out: dict[str, None] = {}
    seen: set[str] = set()
    for group in values:
        for v in group:
            if v.casefold() not in seen:
                seen.add(v.casefold())
                out.setdefault(v)
    return tuple(out)


def contributions(item: Item) -> list[tuple[str, Item, str]]:
    """The records one parsed item makes: (item id it is about, what is kept, origin).

    A document also makes a record for each procedure it names (without its text): it links
    the document to the dossier and, for its own procedure, gives the facts only it knows
    (the proposal's date, the adopted act and its dates)."""
    out: list[tuple[str, Item, str]] = [(item.id, item, "")]
    if isinstance(item, Document) and item.procedures:
        # A copy with its bulk emptied: valid already, so not validated again.
        slim = copy.copy(item)
        for name, empty in (("text", ""), ("summary", ""), ("topics", ()), ("sections", ())):
            object.__setattr__(slim, name, empty)
        out += [(f"proc:{ref}", slim, item.id) for ref in item.procedures]
    return out


# ------------------------------------------------------------------------------ procedures


def _is_act(doc: Document) -> bool:
    if not doc.celex or doc.doc_type not in _ACT_TYPES:
        return False
    try:
        return parse_celex(doc.celex).sector == "3" and celex_and_base(doc.celex) == (doc.celex,)
    except IdentifierError:
        return False


def document_facts(doc: Document, reference: str) -> tuple[tuple[Event, ...], str | None]:
    """The steps and adopted act a document tells about its own procedure ``reference``.

    A proposal gives the date the Commission published it; an adopted act (a regulation,
    directive or decision, sector 3 of CELEX) gives itself as the final act and its dates of
    signature (its own date, for a codecision act signed by both Presidents) and publication."""
    if not doc.procedures or doc.procedures[0] != reference:
        return (), None
    here = (doc.id,)
    if doc.doc_type == "proposal" and doc.date is not None:
        return (Event(doc.date, STEP_TITLES["proposal"], "European Commission", here, doc.url),), None
    if not _is_act(doc):
        return (), None
    events = []
    signed = doc.dates.get("signature") or (doc.date if reference.endswith("(COD)") else None)
    if signed is not None:
        events.append(Event(signed, STEP_TITLES["signature"], "", here, doc.url))
    if "publication" in doc.dates:
        events.append(Event(doc.dates["publication"], STEP_TITLES["publication"], "", here, doc.url))
    return tuple(events), doc.celex


def merge_events(
    reports: Sequence[tuple[str, Sequence[Event]]],
) -> tuple[tuple[Event, ...], list[Disagreement]]:
    """One timeline from several sources' events: ``reports`` is (source, events) pairs.

    Events with the same ``step_key`` are one event: worded by the first source in procedure
    precedence, with every source's documents, forecast only if every report is a forecast.
    Two different dates for a step that happens once (signature, publication) are a
    disagreement: the Official Journal's date stays in the timeline, every date is kept in the
    disagreement."""
    groups: dict[tuple[Any, str], list[tuple[tuple[int, str], str, Event]]] = {}
    for source, events in reports:
        for e in events:
            groups.setdefault(step_key(e), []).append((rank(source, "procedure"), source, e))
    merged: list[Event] = []
    for members in groups.values():
        members.sort(key=lambda m: m[0])
        first = members[0][2]
        merged.append(
            Event(
                date=first.date,
                title=first.title,
                actor=next((e.actor for _, _, e in members if e.actor), ""),
                documents=_union(e.documents for _, _, e in members),
                url=next((e.url for _, _, e in members if e.url), ""),
                forecast=all(e.forecast for _, _, e in members),
                sources=tuple(sorted({s for _, s, _ in members} | {s for _, _, e in members for s in e.sources})),
            )
        )
    disagreements = []
    for step in ONCE:
        same = [e for e in merged if not e.forecast and step_of(e.title) == step]
        if len({e.date for e in same}) < 2:
            continue
        keep = min(same, key=lambda e: min(rank(s, "once_steps") for s in e.sources))
        values = {s: e.date.isoformat() for e in same for s in e.sources}
        disagreements.append(
            Disagreement(f"date of {step}", values, min(keep.sources, key=lambda s: rank(s, "once_steps")))
        )
        merged = [e for e in merged if e is keep or e not in same]
    return tuple(sorted(merged, key=lambda e: (e.date, e.title))), disagreements


_COMMITTEE_ROLES = ("committee responsible", "committee for opinion")


def player_key(kp: KeyPlayer) -> tuple[str, str]:
    """When two sources name the same key player: the same role, and for a committee the same
    code (OEIL's "JURI Legal Affairs" is the EP API's "JURI"), for a person the same words in any
    order (OEIL's "ZIJLSTRA Auke" is the EP API's "Auke ZIJLSTRA")."""
    if kp.role in _COMMITTEE_ROLES:
        return kp.role, (kp.committee or kp.name.split()[0]).casefold()
    return kp.role, " ".join(sorted(kp.name.casefold().split()))


def _merge_players(records: Sequence[SourceRecord]) -> tuple[tuple[KeyPlayer, ...], list[str], list[Disagreement]]:
    """Every source's key players, once each (``player_key``); a group two sources give
    differently is a disagreement, the first source's group kept."""
    chosen: dict[tuple[str, str], KeyPlayer] = {}
    said: dict[tuple[str, str], dict[str, str]] = {}
    sources: list[str] = []
    for r in records:
        assert isinstance(r.item, Procedure)
        for kp in r.item.key_players:
            key = player_key(kp)
            chosen.setdefault(key, kp)
            said.setdefault(key, {}).setdefault(r.source, kp.group)
            if r.source not in sources:
                sources.append(r.source)
    out = []
    for key, groups in said.items():
        if len({g for g in groups.values() if g}) > 1:
            out.append(Disagreement(f"group of {chosen[key].name}", groups, next(iter(groups))))
    return tuple(chosen.values()), sources, out


def _choose(
    field: str, candidates: Sequence[tuple[str, str]], order: str, provenance: dict[str, tuple[str, ...]]
) -> tuple[str, list[Disagreement]]:
    """The value of the first source in ``order`` precedence among (source, value) candidates;
    every source that gave that value is its provenance; other values are a disagreement."""
    given = [(s, v) for s, v in candidates if v]
    if not given:
        return "", []
    given.sort(key=lambda sv: rank(sv[0], order))
    value = given[0][1]
    provenance[field] = tuple(dict.fromkeys(s for s, v in given if v == value))
    if len({v for _, v in given}) == 1:
        return value, []
    values: dict[str, str] = {}
    for s, v in given:
        values.setdefault(s, v)
    return value, [Disagreement(field, values, given[0][0])]


def merge_procedure(records: Sequence[SourceRecord]) -> Procedure | None:
    """The merged procedure, or None while no source has described the procedure itself
    (documents naming a procedure enrich its dossier, they never create one)."""
    direct = _ordered((r for r in records if isinstance(r.item, Procedure)), "procedure")
    if not direct:
        return None
    procs = [r.item for r in direct if isinstance(r.item, Procedure)]
    primary = procs[0]
    derived = _ordered((r for r in records if isinstance(r.item, Document)), "procedure")
    provenance: dict[str, tuple[str, ...]] = {"title": (direct[0].source,)}
    if primary.url:
        provenance["url"] = (direct[0].source,)
    reports: list[tuple[str, Sequence[Event]]] = [(r.source, p.events) for r, p in zip(direct, procs)]
    acts: list[tuple[str, str]] = [(r.source, p.final_act or "") for r, p in zip(direct, procs)]
    linked: list[tuple[str, Sequence[str]]] = [(r.source, p.documents) for r, p in zip(direct, procs)]
    for r in derived:
        assert isinstance(r.item, Document)
        events, act = document_facts(r.item, primary.reference)
        reports.append((r.source, events))
        acts.append((r.source, act or ""))
        linked.append((r.source, (r.item.id,)))
    events, disagreements = merge_events(reports)
    final_act, more = _choose("final_act", acts, "final_act", provenance)
    disagreements += more
    players, player_sources, more = _merge_players(direct)
    disagreements += more
    stated = [Stated(r.source, p.events, p.stage, p.status) for r, p in zip(direct, procs)]
    stage, status = stage_and_status(events, final_act or None, stated)
    # A source stating an end the merged timeline does not show (or another end) disagrees;
    # "ongoing" is what a source says of anything it has not seen end, not a claim.
    differing = {s.source: s.status for s in stated if s.status != status and s.status != "ongoing"}
    if differing:
        disagreements.append(Disagreement("status", {**differing, "timeline": status}, "timeline"))
    summary = next(((r.source, p.summary) for r, p in zip(direct, procs) if p.summary), None)
    if summary:
        provenance["summary"] = (summary[0],)
    for name, sources in (
        ("events", sorted({s for e in events for s in e.sources})),
        ("key_players", player_sources),
        ("documents", [s for s, ids in linked if ids]),
    ):
        if sources:
            provenance[name] = tuple(dict.fromkeys(sources))
    return Procedure(
        id=primary.id,
        reference=primary.reference,
        title=primary.title,
        source=direct[0].source,
        url=primary.url,
        stage=stage,
        status=status,
        events=events,
        documents=_union(ids for _, ids in linked),
        final_act=final_act or None,
        key_players=players,
        eurovoc=_union(p.eurovoc for p in _by(procs, direct, OFFICIAL + PARLIAMENT)),
        summary=summary[1] if summary else "",
        subjects=_union(p.subjects for p in procs),
        geo_areas=_union(p.geo_areas for p in procs),
        sources=tuple(sorted({r.source for r in records})),
        provenance=provenance,
        disagreements=tuple(disagreements),
    )


def _by(items: Sequence[Any], records: Sequence[SourceRecord], order: Sequence[str]) -> list[Any]:
    """``items`` (parallel to ``records``) re-ordered by the sources' place in ``order``."""
    pos = {s: i for i, s in enumerate(order)}
    pairs = sorted(zip(records, items), key=lambda ri: (pos.get(ri[0].source, len(pos)), ri[0].source))
    return [i for _, i in pairs]


# ------------------------------------------------------------------------------- documents


def merge_document(records: Sequence[SourceRecord]) -> Document | None:
    """The merged document: a readable page's title and link, the registries' facts."""
    direct = _ordered((r for r in records if isinstance(r.item, Document) and not r.origin), "document")
    if not direct:
        return None
    docs = [r.item for r in direct if isinstance(r.item, Document)]
    primary = docs[0]
    facts = _by(docs, direct, PRECEDENCE["document_facts"])
    fact_sources = [r.source for r in _by(direct, direct, PRECEDENCE["document_facts"])]
    pairs = list(zip(fact_sources, facts))
    provenance: dict[str, tuple[str, ...]] = {"title": (direct[0].source,)}
    if primary.url:
        provenance["url"] = (direct[0].source,)
    disagreements: list[Disagreement] = []

    def pick(field: str, values: Sequence[tuple[str, str]]) -> str:
        value, more = _choose(field, values, "document_facts", provenance)
        disagreements.extend(more)
        return value

    celex = pick("celex", [(s, d.celex or "") for s, d in pairs])
    eli = pick("eli", [(s, d.eli or "") for s, d in pairs])
    day = pick("date", [(s, d.date.isoformat() if d.date else "") for s, d in pairs])
    doc_type = pick("doc_type", [(s, d.doc_type if d.doc_type != "other" else "") for s, d in pairs]) or "other"
    dates: dict[str, str] = {}
    for key in sorted({k for d in facts for k in d.dates}):
        dates[key] = pick(f"dates.{key}", [(s, d.dates[key].isoformat() if key in d.dates else "") for s, d in pairs])
    authors = next(((s, d.authors) for s, d in pairs if d.authors), None)
    # The official text with its structure (recitals, articles, annexes: Cellar's) wins over a
    # page's plain text, whichever source a person reads the page at.
    structured = next(((r.source, d) for r, d in zip(direct, docs) if d.sections), None)
    text = (
        (structured[0], structured[1].text)
        if structured
        else next(((r.source, d.text) for r, d in zip(direct, docs) if d.text), None)
    )
    if structured:
        provenance["sections"] = (structured[0],)
    summary = next(((r.source, d.summary) for r, d in zip(direct, docs) if d.summary), None)
    for name, found in (("authors", authors), ("text", text), ("summary", summary)):
        if found:
            provenance[name] = (found[0],)
    eurovoc_sources = [s for s, d in pairs if d.eurovoc]
    if eurovoc_sources:
        provenance["eurovoc"] = tuple(eurovoc_sources)
    return Document(
        id=primary.id,
        title=primary.title,
        source=direct[0].source,
        url=primary.url,
        doc_type=doc_type,
        celex=celex or None,
        eli=eli or None,
        procedure=None,
        date=date.fromisoformat(day) if day else None,
        dates={k: date.fromisoformat(v) for k, v in dates.items() if v},
        authors=authors[1] if authors else (),
        eurovoc=_union(d.eurovoc for d in facts),
        summary=summary[1] if summary else "",
        text=text[1] if text else "",
        language=primary.language,
        procedures=_union(d.procedures for d in facts),
        subjects=_union(d.subjects for d in facts),
        sections=structured[1].sections if structured else (),
        sources=tuple(sorted({r.source for r in direct})),
        provenance=provenance,
        disagreements=tuple(disagreements),
    )


def merge(records: Sequence[SourceRecord]) -> Item | None:
    """The merged item of one id from all its records (None when none describes the item)."""
    if any(isinstance(r.item, Procedure) for r in records):
        return merge_procedure(records)
    return merge_document(records)
