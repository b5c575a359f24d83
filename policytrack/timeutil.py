"""Times as policytrack stores and compares them: timezone-aware, written as UTC ISO text.

One rule for every module: a naive ``datetime`` is refused (it could mean any zone), and stored
text is UTC with second precision, so stored times sort as strings and compare equal however
they were produced.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from .errors import TimestampError


def utc_text(moment: datetime) -> str:
    """``2025-01-31T09:00:00+00:00``: the stored form of a timezone-aware time."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise TimestampError(f"time {moment.isoformat()} has no time zone")
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def parse_utc(text: str) -> datetime:
    """The inverse of ``utc_text`` (any ISO text with an offset)."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise TimestampError(f"stored time {text!r} has no time zone")
    return moment


@dataclass(frozen=True)
class Period:
    """A half-open span ``[start, end)`` of aware times, rounded to the second as stored."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        for name in ("start", "end"):
            moment = getattr(self, name)
            if moment.tzinfo is None:
                raise TimestampError(f"period {name} {moment.isoformat()} has no time zone")
            # Stored periods have second precision; keeping microseconds here would make the
            # same period compare (and hash into a Message-ID) differently before and after
            # a round trip through the store.
            object.__setattr__(self, name, parse_utc(utc_text(moment)))
        if self.start >= self.end:
            raise TimestampError(f"empty period {self.start.isoformat()} … {self.end.isoformat()}")
