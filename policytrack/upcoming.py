"""Upcoming dates across stored items: forecast events, deadlines, announced votes.

Shared by the site (home page, iCalendar) and the digest ("coming up").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from textwrap import shorten

from .model import Document, Note, Procedure

# Document.dates keys that are deadlines worth announcing (others, like "publication", are past facts).
DEADLINE_KEYS = {
    "transposition": "Transposition deadline",
    "application": "Date of application",
    "entry_into_force": "Entry into force",
    "consultation_end": "Consultation ends",
    "review": "Review clause",
    "end_of_validity": "End of validity",
}


@dataclass(frozen=True, order=True)
class UpcomingDate:
    date: date
    title: str
    item_id: str
    procedure: str | None = None
    kind: str = "event"  # "event", "forecast" or "deadline"


def upcoming_dates(items: Iterable[Document | Procedure | Note], start: date, end: date) -> list[UpcomingDate]:
    """Dates in ``[start, end]``, soonest first."""
    out: list[UpcomingDate] = []
    for item in items:
        if isinstance(item, Procedure):
            for e in item.events:
                if start <= e.date <= end:
                    label = f"{item.reference}: {e.title}"
                    out.append(
                        UpcomingDate(e.date, label, item.id, item.reference, "forecast" if e.forecast else "event")
                    )
        elif isinstance(item, Document):
            for key, when in item.dates.items():
                if key in DEADLINE_KEYS and start <= when <= end:
                    name = item.celex or item.id
                    out.append(
                        UpcomingDate(
                            when,
                            f"{DEADLINE_KEYS[key]}: {name} {shorten(item.title, 120)}",
                            item.id,
                            item.procedure,
                            "deadline",
                        )
                    )
    return sorted(out)
