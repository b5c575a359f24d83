"""What gets indexed: one flat record per stored item, the same for every backend.

Keeping this in one place is what lets the contract suite expect the same answers from the
embedded index and from Elasticsearch.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from policytrack.identifiers import celex_and_base
from policytrack.model import Document, Note, Procedure
from policytrack.timeutil import utc_text

from .base import Item

# Facet names, in display order, with the record attribute each one counts.
FACETS = (
    ("topic", "topics"),
    ("type", "doc_type"),
    ("author", "authors"),
    ("year", "year"),
    ("procedure_type", "proc_type"),
    ("stage", "stage"),
)
LEAD_CHARS = 300


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
        }


def _clean(text: str) -> str:
    # « and » mark matches in snippets, so the indexed text must not carry its own.
    return text.replace("«", '"').replace("»", '"')


def _with_bases(celexes: list[str | None]) -> tuple[str, ...]:
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
        )
    if isinstance(item, Procedure):
        past = [e for e in item.events if not e.forecast] or list(item.events)
        day = past[-1].date if past else None
        steps = "\n".join(f"{e.date.isoformat()} {e.title} {e.actor}".strip() for e in item.events)
        body = "\n\n".join(p for p in (item.summary, item.stage, steps) if p)
        players = tuple(str(k) for k in item.key_players)
        meta = [item.id, item.reference, item.final_act or "", *players, *item.eurovoc]
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
            players,
            (item.reference,),
            _with_bases([item.final_act]),
            _clean((item.summary or item.stage)[:LEAD_CHARS]),
            changed,
        )
    if isinstance(item, Note):
        body = "\n\n".join(p for p in (item.summary, item.body) if p)
        meta = [item.id, *item.procedures, *item.celex, *item.authors]
        first_proc = item.procedures[0] if item.procedures else None
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
            tuple(item.procedures),
            _with_bases(list(item.celex)),
            _clean(body[:LEAD_CHARS]),
            changed,
        )
    raise TypeError(f"cannot index {type(item).__name__}")
