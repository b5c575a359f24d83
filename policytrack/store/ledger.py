"""The ledger: one row per (subscriber, period), so each digest is sent exactly once.

States::

    pending ──► sending ──► sent
       ▲           │
       └─ failed ◄─┘ (refused, or the connection dropped before the message was handed over)
    pending ──► empty      (nothing new and send_empty is off: the period is closed unsent)
    pending ──► cancelled  (the subscriber unsubscribed before the run reached them)

Every state change is its own committed transaction. ``sending`` is claimed (compare-and-set, so
two overlapping runs never both send one message) *before* the message goes to the SMTP server and ``sent`` right after the server accepts it, so after a crash the
ledger never claims more than happened:

* ``sent``: the server accepted the message.
* ``pending``/``failed``: the server certainly did not accept it; the next run sends it.
* ``sending``: the process died (or the connection dropped) after the whole message was handed
  over but before the acceptance was recorded. Whether it was delivered is unknown. We choose
  *at most once* here: a re-run does not resend it but reports it as ``uncertain``;
  ``digest send --resend-uncertain`` sends it again after checking the mail server's log. The
  resent message carries the same Message-ID, so mail systems can recognise the duplicate.

A run resumes unfinished rows (same period) first; a subscriber without one gets a new period
from the end of their last closed period (sent or empty) to now, or the last 7 days for a first
digest. A subscriber whose last period ended less than ``min_gap`` ago is not due, so running
``send`` twice in a row sends nothing the second time.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ..timeutil import Period, parse_utc, utc_text
from .subscribers import Subscriber

STATES = ("pending", "sending", "sent", "failed", "empty", "cancelled")
OPEN_STATES = ("pending", "sending", "failed")
CLOSED_STATES = ("sent", "empty")
MIN_GAP = timedelta(hours=20)
FIRST_PERIOD = timedelta(days=7)  # a first digest covers the last week


@dataclass(frozen=True)
class Entry:
    id: int
    subscriber_id: int
    period: Period
    state: str
    message_id: str = ""
    attempts: int = 0
    error: str = ""


class Ledger:
    """The ``digest_ledger`` table of one store (``Store.ledger``)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def due_period(self, subscriber_id: int, now: datetime, *, min_gap: timedelta = MIN_GAP) -> Period | None:
        """The next period for a subscriber with no unfinished entry, or None when not due."""
        row = self._conn.execute(
            "SELECT max(period_end) FROM digest_ledger WHERE subscriber_id = ? AND state IN ('sent', 'empty')",
            (subscriber_id,),
        ).fetchone()
        if row[0] is None:
            return Period(now - FIRST_PERIOD, now)
        start = parse_utc(row[0])
        if now - start < min_gap:
            return None
        return Period(start, now)

    def open_entry(self, subscriber_id: int) -> Entry | None:
        row = self._conn.execute(
            f"SELECT {_COLUMNS} FROM digest_ledger WHERE subscriber_id = ? AND state IN ('pending', 'sending', 'failed')"
            " ORDER BY period_start LIMIT 1",
            (subscriber_id,),
        ).fetchone()
        return _entry(row) if row else None

    def plan(self, subscribers: Iterable[Subscriber], now: datetime, *, min_gap: timedelta = MIN_GAP) -> list[Entry]:
        """The entries this run works on: unfinished ones resumed, new ones for due subscribers.

        New entries are written (as ``pending``) in one transaction before anything is sent.
        """
        out: list[Entry] = []
        stamp = utc_text(now)
        with self._conn:
            for sub in subscribers:
                entry = self.open_entry(sub.id)
                if entry is None:
                    if not sub.active:
                        continue
                    period = self.due_period(sub.id, now, min_gap=min_gap)
                    if period is None:
                        continue
                    cur = self._conn.execute(
                        "INSERT INTO digest_ledger (subscriber_id, period_start, period_end, state, updated)"
                        " VALUES (?, ?, ?, 'pending', ?)",
                        (sub.id, utc_text(period.start), utc_text(period.end), stamp),
                    )
                    entry = Entry(int(cur.lastrowid), sub.id, period, "pending")  # type: ignore[arg-type]
                out.append(entry)
        return out

    def mark(
        self,
        entry_id: int,
        state: str,
        now: datetime,
        *,
        message_id: str | None = None,
        error: str = "",
        expect: tuple[str, ...] | None = None,
    ) -> bool:
        """Move an entry to ``state``, committed at once (each step is its own transaction).

        With ``expect``, only from one of those states (False when the entry was elsewhere:
        another run moved it meanwhile).
        """
        if state not in STATES:
            raise ValueError(f"unknown ledger state {state!r}")
        sql = (
            "UPDATE digest_ledger SET state = ?, error = ?, updated = ?, message_id = coalesce(?, message_id),"
            " attempts = attempts + (CASE WHEN ? = 'sending' THEN 1 ELSE 0 END) WHERE id = ?"
        )
        args: list[Any] = [state, error[:1000], utc_text(now), message_id, state, entry_id]
        if expect:
            sql += f" AND state IN ({', '.join('?' * len(expect))})"
            args += list(expect)
        with self._conn:
            return self._conn.execute(sql, args).rowcount == 1

    def claim(self, entry: Entry, now: datetime, *, message_id: str) -> bool:
        """Move ``entry`` to ``sending`` if nobody else has touched it since it was planned.

        A compare-and-set on (state, attempts): of two runs working on the same plan (an
        overlapping cron job, a re-run started too early) only one gets each message.
        """
        with self._conn:
            cur = self._conn.execute(
                "UPDATE digest_ledger SET state = 'sending', message_id = ?, attempts = attempts + 1,"
                " error = '', updated = ? WHERE id = ? AND state = ? AND attempts = ?",
                (message_id, utc_text(now), entry.id, entry.state, entry.attempts),
            )
        return cur.rowcount == 1

    def record_error(self, entry_id: int, error: str, now: datetime) -> None:
        """Note what went wrong without changing the state (an uncertain ``sending`` stays so)."""
        with self._conn:
            self._conn.execute(
                "UPDATE digest_ledger SET error = ?, updated = ? WHERE id = ?", (error[:1000], utc_text(now), entry_id)
            )

    def get(self, entry_id: int) -> Entry | None:
        row = self._conn.execute(f"SELECT {_COLUMNS} FROM digest_ledger WHERE id = ?", (entry_id,)).fetchone()
        return _entry(row) if row else None

    def entries(self, subscriber_id: int | None = None) -> list[Entry]:
        sql, args = f"SELECT {_COLUMNS} FROM digest_ledger", []
        if subscriber_id is not None:
            sql += " WHERE subscriber_id = ?"
            args.append(subscriber_id)
        return [_entry(r) for r in self._conn.execute(sql + " ORDER BY id", args)]

    def counts(self) -> dict[str, int]:
        return dict(self._conn.execute("SELECT state, count(*) FROM digest_ledger GROUP BY state").fetchall())


_COLUMNS = "id, subscriber_id, period_start, period_end, state, message_id, attempts, error"


def _entry(row: tuple[Any, ...]) -> Entry:
    return Entry(
        row[0],
        row[1],
        Period(parse_utc(row[2]), parse_utc(row[3])),
        row[4],
        row[5],
        row[6],
        row[7],
    )
