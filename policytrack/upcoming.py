"""Upcoming dates across stored items: forecast events, deadlines, announced votes.

Shared by the site (home page, iCalendar, dossier timelines) and the digest ("coming up").

One date is one entry: a dossier's announced step that is a deadline of one of its acts (OEIL's
"Deadline for transposition by the Member States") and the act's own date of that kind (Cellar's
transposition date) are the same date, listed once, as the act's deadline. A deadline is named
by what it is and concerns no institution: a transposition deadline is the Member States'.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from textwrap import shorten

from .model import Document, Event, Note, Procedure

# Document.dates keys that are deadlines worth announcing (others, like "publication", are past facts).
DEADLINE_KEYS = {
    "transposition": "Transposition deadline",
    "application": "Date of application",
    "entry_into_force": "Entry into force",
    "consultation_end": "Consultation ends",
    "review": "Review clause",
    "end_of_validity": "End of validity",
    "deadline": "Deadline",  # Cellar's RESOURCE_LEGAL_DATE_DEADLINE (deadline_2… when several)
}
# What an announced step's wording says it is, first match wins: (words, deadline key).
_EVENT_DEADLINES = (
    ("transposition", "transposition"),
    ("transpose", "transposition"),
    ("entry into force", "entry_into_force"),
    ("enters into force", "entry_into_force"),
    ("date of application", "application"),
    (" applies", "application"),
    ("deadline", "deadline"),
)
_NUMBERED = re.compile(r"^(deadline)_\d+$")
MEMBER_STATES = "Member States"


@dataclass(frozen=True, order=True)
class UpcomingDate:
    date: date
    title: str
    item_id: str
    procedure: str | None = None
    kind: str = "event"  # "event", "forecast" or "deadline"


def deadline_key(name: str) -> str | None:
    """The deadline a ``Document.dates`` key is (``deadline_2`` is a ``deadline``), or None."""
    name = _NUMBERED.sub(r"\1", name)
    return name if name in DEADLINE_KEYS else None


def event_deadline(event: Event) -> str | None:
    """The deadline an event's title announces (``transposition``, ``application``…), or None."""
    low = f" {event.title.lower()} "
    return next((key for words, key in _EVENT_DEADLINES if words in low), None)


def event_actor(event: Event) -> str:
    """Who an event concerns, as people read it: a transposition deadline is the Member States'
    (whatever institution the source files it under); the day an act applies or enters into
    force is no institution's. Other steps keep their source's actor."""
    kind = event_deadline(event)
    if kind == "transposition":
        return MEMBER_STATES
    return "" if kind in ("application", "entry_into_force") else event.actor


@dataclass(frozen=True)
class ActDates:
    """An act's deadlines on one date (any date: the window is applied later) and the names the
    act goes by, so that a dossier announcing the same date is listed once. The site keeps these
    per document between builds."""

    date: date
    kinds: tuple[str, ...]
    refs: tuple[str, ...]  # the document's id, CELEX and procedures
    entries: tuple[UpcomingDate, ...]


def document_deadlines(doc: Document) -> tuple[ActDates, ...]:
    """Every deadline a document lists, grouped by date."""
    found: dict[date, list[str]] = {}
    for name, when in doc.dates.items():
        key = deadline_key(name)
        if key is not None:
            found.setdefault(when, []).append(key)
    refs = tuple(r for r in (doc.id, doc.celex, *doc.procedures) if r)
    out = []
    for when, keys in sorted(found.items()):
        # A generic "deadline" on the date of a named one is that one.
        named = tuple(k for k in dict.fromkeys(keys) if k != "deadline") or ("deadline",)
        entries = tuple(
            UpcomingDate(
                when,
                f"{DEADLINE_KEYS[k]}: {doc.celex or doc.id} {shorten(doc.title, 120)}",
                doc.id,
                doc.procedure,
                "deadline",
            )
            for k in named
        )
        out.append(ActDates(when, named, refs, entries))
    return tuple(out)


def upcoming_dates(
    items: Iterable[Document | Procedure | Note], start: date, end: date, *, acts: Iterable[ActDates] = ()
) -> list[UpcomingDate]:
    """Dates in ``[start, end]``, soonest first; each date of a dossier and its acts once.
    ``acts``: documents' deadlines computed already (``document_deadlines``), besides ``items``."""
    procedures: list[Procedure] = []
    groups: list[ActDates] = list(acts)
    for item in items:
        if isinstance(item, Procedure):
            procedures.append(item)
        elif isinstance(item, Document):
            groups += document_deadlines(item)
    out: list[UpcomingDate] = []
    # (procedure reference or document id/CELEX, date) → the deadline kinds its acts list then
    act_dates: dict[tuple[str, date], set[str]] = {}
    for group in groups:
        if start <= group.date <= end:
            out += group.entries
            for ref in group.refs:
                act_dates.setdefault((ref, group.date), set()).update(group.kinds)
    for proc in procedures:
        linked = {proc.reference, *proc.documents, *([proc.final_act] if proc.final_act else [])}
        for e in proc.events:
            if not start <= e.date <= end:
                continue
            kind = event_deadline(e)
            if kind is not None:
                listed = set().union(*(act_dates.get((key, e.date), set()) for key in linked))
                if kind in listed or (listed and (kind == "deadline" or "deadline" in listed)):
                    continue  # the act's own deadline on that date says it
            label = "deadline" if kind else ("forecast" if e.forecast else "event")
            out.append(UpcomingDate(e.date, f"{proc.reference}: {e.title}", proc.id, proc.reference, label))
    return sorted(out)
