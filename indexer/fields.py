"""What gets indexed: one flat record per stored item, the same for every backend.

Keeping this in one place is what lets the contract suite expect the same answers from the
embedded index and from Elasticsearch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from policytrack.identifiers import celex_and_base
from policytrack.model import Document, KeyPlayer, Note, Procedure, Section
from policytrack.timeutil import utc_text

from .base import Item
from .sections import priority

# Facet names, in display order, with the record attribute each one counts.
FACETS = (
    ("topic", "topics"),
    ("type", "doc_type"),
    ("author", "authors"),
    ("year", "year"),
    ("procedure_type", "proc_type"),
    ("stage", "stage"),
    ("player", "players"),
)
LEAD_CHARS = 300
# Bumped whenever what a record holds changes: an index built with another version is rebuilt
# by the next `policytrack index` (the watermark in the store carries it).
FIELDS_VERSION = 3


def player_label(kp: KeyPlayer) -> str:
    """A key player as a facet value: ``WOLTERS Lara (S&D)``, or a committee's name."""
    return kp.name + (f" ({kp.group})" if kp.group else "")


def player_terms(labels: tuple[str, ...]) -> tuple[str, ...]:
    """What ``player:`` matches for these facet values: each value and the bare name, folded."""
    out: dict[str, None] = {}
    for label in labels:
        out.setdefault(label.casefold())
        out.setdefault(label.split(" (")[0].casefold())
    return tuple(out)


@dataclass(frozen=True)
class SectionRecord:
    """One article, recital or annex of a document: a search unit of its own (``sections.py``)."""

    kind: str
    label: str  # "Article 3", "Recital 12", "Annex I"
    anchor: str  # the id of the part in the official XHTML and on the site's document page
    heading: str
    body: str

    @property
    def priority(self) -> int:
        return priority(self.kind)

    def as_source(self, parent: str, order: int, stamp: str) -> dict:
        """The section as Elasticsearch stores it, beside its document: ``order`` is its place
        in the document (ties in score keep it), ``stamp`` the indexing run that wrote it."""
        return {
            "id": f"{parent}#{self.anchor}",
            "kind": "section",
            "parent": parent,
            "stamp": stamp,
            "sec_kind": self.kind,
            "sec_priority": self.priority,
            "sec_order": order,
            "sec_label": self.label,
            "anchor": self.anchor,
            "sec_heading": self.heading,
            "sec_body": self.body,
        }


def section_record(section: Section) -> SectionRecord:
    return SectionRecord(section.kind, section.label(), section.anchor, _clean(section.heading), _clean(section.text))


@dataclass(frozen=True)
class Record:
    id: str
    kind: str
    title: str
    body: str
    meta: str  # identifiers, EuroVoc, authors: searchable words that are not prose
    doc_type: str
    date: str | None
    year: int | None
    proc_type: str | None
    stage: str | None
    url: str
    procedure: str | None  # the main procedure, for display
    celex: str | None  # the main CELEX, for display
    topics: tuple[str, ...]
    authors: tuple[str, ...]
    procedures: tuple[str, ...]  # every procedure the item belongs to (filters)
    celexes: tuple[str, ...]  # every CELEX it is (or consolidates), for filters
    lead: str  # the opening of the text: the snippet when nothing matched in the body
    changed: str  # last-changed time, UTC ISO text (sorts as text)
    players: tuple[str, ...] = ()  # key players (facet values, see player_label)
    sections: tuple[SectionRecord, ...] = ()  # a document's articles, recitals, annexes

    def as_source(self) -> dict:
        """The record as a JSON-ready mapping (what Elasticsearch stores)."""
        return {
            "id": self.id,
            "kind": self.kind,
            "title": self.title,
            "body": self.body,
            "meta": self.meta,
            "doc_type": self.doc_type,
            "date": self.date,
            "year": self.year,
            "proc_type": self.proc_type,
            "stage": self.stage,
            "url": self.url,
            "procedure": self.procedure,
            "celex": self.celex,
            "topics": list(self.topics),
            "authors": list(self.authors),
            "authors_norm": [a.casefold() for a in self.authors],
            "procedures": list(self.procedures),
            "celexes": list(self.celexes),
            "lead": self.lead,
            "changed": self.changed,
            "players": list(self.players),
            "players_norm": list(player_terms(self.players)),
        }


def _clean(text: str) -> str:
    # « and » mark matches in snippets, so the indexed text must not carry its own.
    return text.replace("«", '"').replace("»", '"')


def _with_bases(celexes: Sequence[str | None]) -> tuple[str, ...]:
    out: dict[str, None] = {}
    for c in celexes:
        if not c:
            continue
        for key in celex_and_base(c):
            out.setdefault(key)
    return tuple(out)


def _proc_type(ref: str | None) -> str | None:
    return ref[-4:-1] if ref and ref.endswith(")") else None


def to_record(item: Item, last_changed: datetime) -> Record:
    changed = utc_text(last_changed)
    if isinstance(item, Document):
        body = "\n\n".join(p for p in (item.summary, item.text) if p)
        meta = [item.id, item.celex or "", item.eli or "", item.procedure or "", *item.eurovoc, *item.authors]
        day = item.date
        return Record(
            item.id,
            "document",
            item.title,
            _clean(body),
            " ".join(meta),
            item.doc_type,
            day.isoformat() if day else None,
            day.year if day else None,
            _proc_type(item.procedure),
            None,
            item.url,
            item.procedure,
            item.celex,
            item.topics,
            item.authors,
            (item.procedure,) if item.procedure else (),
            _with_bases([item.celex]),
            _clean(body[:LEAD_CHARS]),
            changed,
            sections=tuple(section_record(s) for s in item.sections),
        )
    if isinstance(item, Procedure):
        past = [e for e in item.events if not e.forecast] or list(item.events)
        day = past[-1].date if past else None
        steps = "\n".join(f"{e.date.isoformat()} {e.title} {e.actor}".strip() for e in item.events)
        body = "\n\n".join(p for p in (item.summary, item.stage, steps) if p)
        players = tuple(dict.fromkeys(player_label(k) for k in item.key_players))
        meta = [item.id, item.reference, item.final_act or "", *(str(k) for k in item.key_players), *item.eurovoc]
        return Record(
            item.id,
            "procedure",
            item.title,
            _clean(body),
            " ".join(meta),
            "procedure",
            day.isoformat() if day else None,
            day.year if day else None,
            item.type,
            item.stage or None,
            item.url,
            item.reference,
            item.final_act,
            item.topics,
            (),
            (item.reference,),
            _with_bases([item.final_act]),
            _clean((item.summary or item.stage)[:LEAD_CHARS]),
            changed,
            players,
        )
    if isinstance(item, Note):
        # A recommendation's asks are what people look for in it: their words are searchable,
        # the acts and dossiers they target are filters.
        asks = "\n".join(f"{a.text} ({a.target}; {a.status})" for a in item.asks)
        body = "\n\n".join(p for p in (item.summary, item.body, asks) if p)
        procedures = tuple(dict.fromkeys((*item.procedures, *(a.procedure for a in item.asks if a.procedure))))
        acts = [*item.celex, *(a.celex for a in item.asks if a.celex)]
        meta = [item.id, *procedures, *acts, *item.authors]
        first_proc = procedures[0] if procedures else None
        return Record(
            item.id,
            "note",
            item.title,
            _clean(body),
            " ".join(meta),
            item.note_type,
            item.date.isoformat(),
            item.date.year,
            _proc_type(first_proc),
            None,
            item.url,
            first_proc,
            item.celex[0] if item.celex else None,
            item.topics,
            item.authors,
            procedures,
            _with_bases(acts),
            _clean(body[:LEAD_CHARS]),
            changed,
        )
    raise TypeError(f"cannot index {type(item).__name__}")
