"""A dossier's timeline across sources: which step an event is, when two sources report the same
step, and the one rule that reads a stage and a status from a timeline.

Every source words the steps of a procedure its own way: the Legislative Observatory writes
"Final act published in Official Journal", Cellar and EUR-Lex "Publication in the Official
Journal", the EP Open Data API "Plenary adopt position". ``step_of`` maps the wordings whose
meaning is certain to one step name; an event of no known step is identified by its own words.
Two events are the same step when they have the same date and the same step (``step_key``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from .model import Event

# (step, pattern over the event's title, lower-cased). First match wins: the order matters
# where wordings overlap ("Approval by the Council of the EP position" is the Council's step).
STEPS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern))
    for name, pattern in (
        ("publication", r"publi(?:shed|cation) in (?:the )?official journal"),
        ("signature", r"final act signed|signature by the president|signature of (?:the )?(?:final )?act"),
        ("withdrawal", r"withdraw"),
        ("lapse", r"\blapsed\b|\bcaducous\b"),
        ("rejection", r"\brejected\b|\brejection\b"),
        (
            "council-adoption",
            r"act adopted by council|approval by (?:the )?council of the ep position|council approval of parliament",
        ),
        (
            "parliament-position",
            r"decision by parliament|ep (?:position|opinion) (?:at|on) (?:1st|first) reading|plenary adopt position",
        ),
        ("proposal", r"legislative proposal published|adoption by commission|commission proposal published"),
        ("referral", r"committee referral announced|^referral$"),
        ("committee-vote", r"vote in committee|committee adopting report"),
    )
)
# Steps that happen once in a procedure: two sources giving them different dates disagree.
ONCE = ("signature", "publication")
# Steps that end a procedure, and the status and stage each one gives.
TERMINAL: dict[str, tuple[str, str]] = {
    "publication": ("completed", "Procedure completed"),
    "signature": ("completed", "Procedure completed, awaiting publication in Official Journal"),
    "withdrawal": ("withdrawn", "Procedure lapsed or withdrawn"),
    "lapse": ("lapsed", "Procedure lapsed or withdrawn"),
    "rejection": ("rejected", "Procedure rejected"),
}
# The wording each step is given when it is derived from a document (EUR-Lex, Cellar) rather
# than read from a timeline: the Legislative Observatory's words, so that duplicates read alike.
STEP_TITLES = {
    "proposal": "Legislative proposal published",
    "signature": "Final act signed",
    "publication": "Final act published in Official Journal",
}


def step_of(title: str) -> str | None:
    """The step an event title names, or None when its wording is not one we know for sure."""
    low = " ".join(title.lower().split())
    return next((name for name, rx in STEPS if rx.search(low)), None)


def step_key(event: Event) -> tuple[date, str]:
    """What makes two events the same step: their date and their step (or their own words)."""
    step = step_of(event.title)
    return event.date, step or "words:" + " ".join(re.findall(r"\w+", event.title.lower()))


@dataclass(frozen=True)
class Stated:
    """What one source says about a procedure: its own events, stage and status words."""

    source: str
    events: tuple[Event, ...]
    stage: str = ""
    status: str = ""


def _latest(events: Iterable[Event]) -> Event | None:
    past = [e for e in events if not e.forecast]
    return max(past, key=lambda e: e.date) if past else None


def stage_and_status(events: Sequence[Event], final_act: str | None, stated: Sequence[Stated] = ()) -> tuple[str, str]:
    """THE rule for a procedure's stage and status, from its merged timeline.

    1. A terminal step in the timeline (publication or signature of the act, withdrawal, lapse,
       rejection; the latest, and of one day the furthest) gives the stage and the status.
    2. Else a known adopted act means the procedure is completed.
    3. Else the stage and status stated by a source that is up to date: one whose own timeline
       holds the latest step of the merged timeline (first in ``stated``, the precedence order).
       A source that has not seen the latest step is out of date and is not believed.
    4. Else the latest step's own words, ``ongoing`` (with no step at all: the first stated stage).
    """
    order = list(TERMINAL)
    done = [
        (e.date, -order.index(step), step) for e in events if not e.forecast and (step := step_of(e.title)) in TERMINAL
    ]
    if done:
        status, stage = TERMINAL[max(done)[2]]
        return stage, status
    if final_act:
        status, stage = TERMINAL["publication"]
        return stage, status
    latest = _latest(events)
    if latest is None:
        first = next((s for s in stated if s.stage), None)
        return (first.stage, first.status or "ongoing") if first else ("", "ongoing")
    key = step_key(latest)
    for s in stated:
        if s.stage and any(step_key(e) == key for e in s.events if not e.forecast):
            return s.stage, s.status or "ongoing"
    return latest.title, "ongoing"
