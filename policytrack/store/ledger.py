"""The ledger: one row per (subscriber, period), so each digest is sent exactly once.

States::

    pending ──► sending ──► sent
       ▲           │  └──► (handed over, no reply: uncertain) ──settle──► sent | pending
       └─ failed ◄─┘ (refused, or the connection dropped before the message was handed over)
    pending ──► empty      (nothing new and send_empty is off: the period is closed unsent)
    pending ──► cancelled  (the subscriber unsubscribed before the run reached them)

Every step is its own committed transaction, in this order for one message:

1. ``claim``: ``sending`` (compare-and-set, so two runs never both send one message);
2. MAIL, RCPT, DATA and the whole message *except* the final ``.`` go to the server;
3. ``handed_over``: the time is committed (and synced to disk) *before* the final ``.``;
4. the final ``.``; the server's reply; ``sent`` with that reply (``mark``).

A server accepts a message only at the final ``.`` (RFC 5321 §4.1.1.4), so after a crash:

* ``sent``: the server accepted it; ``reply`` is what it said (its queue id, to find it in
  the mail log).
* ``pending``/``failed``, or ``sending`` without ``handed_over``: the server certainly did not
  accept it (the final ``.`` was never sent); the next run sends it again on its own.
* ``sending`` with ``handed_over``: *uncertain*. The process died (or the connection dropped)
  between the final ``.`` and the ``sent`` commit; only the mail server knows whether it took
  the message. A re-run does not resend it (at most once): each such row is settled on its own
  (``settle``: delivered, or back to ``pending`` to be resent with the same Message-ID), by a
  person who checked the mail log, or by ``digest settle --mail-log``.

"The process died" is only known for sure when no other run holds the ``SendLock``: a run
that holds it may treat a ``sending`` row without ``handed_over`` as abandoned.

A run resumes unfinished rows (same period) first; a subscriber without one gets a new period
from the end of their last closed period (sent or empty) to now, or the last 7 days for a first
digest. A subscriber whose last period ended less than ``min_gap`` ago is not due, so running
``send`` twice in a row sends nothing the second time.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from ..errors import StoreError
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
    handed_over: str = ""  # when the message (all but its final ".") was handed to the server
    reply: str = ""  # the server's answer to the final "." ("250 2.0.0 Ok: queued as …")
    settled: str = ""  # how an uncertain row was settled, and when

    @property
    def uncertain(self) -> bool:
        """Handed over without an answer recorded: only the mail server knows if it took it."""
        return self.state == "sending" and bool(self.handed_over)


class SendLock:
    """One sending run per store at a time: an exclusive ``flock`` on ``<store>.send-lock``.

    The kernel drops the lock when the process ends however it ends (even ``kill -9``), so a
    run that gets it knows that no other run is between a claim and its ``handed_over``.
    """

    def __init__(self, store_path: Path) -> None:
        self.path = store_path.with_name(store_path.name + ".send-lock")
        self._fd: int | None = None

    def __enter__(self) -> SendLock:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 200).decode("utf-8", "replace").strip() or "another process"
            os.close(fd)
            raise StoreError(
                f"another digest run is sending from {self.path.parent} ({holder}); "
                "wait for it to finish, then run again"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"pid {os.getpid()}".encode())
        self._fd = fd
        return self

    def __exit__(self, *exc: object) -> None:
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


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
        reply: str | None = None,
        expect: tuple[str, ...] | None = None,
    ) -> bool:
        """Move an entry to ``state``, committed at once (each step is its own transaction).

        With ``expect``, only from one of those states (False when the entry was elsewhere:
        another run moved it meanwhile). ``reply`` keeps the server's answer.
        """
        if state not in STATES:
            raise ValueError(f"unknown ledger state {state!r}")
        sql = (
            "UPDATE digest_ledger SET state = ?, error = ?, updated = ?, message_id = coalesce(?, message_id),"
            " reply = coalesce(?, reply),"
            " attempts = attempts + (CASE WHEN ? = 'sending' THEN 1 ELSE 0 END) WHERE id = ?"
        )
        args: list[Any] = [state, error[:1000], utc_text(now), message_id, _short(reply), state, entry_id]
        if expect:
            sql += f" AND state IN ({', '.join('?' * len(expect))})"
            args += list(expect)
        with self._conn:
            return self._conn.execute(sql, args).rowcount == 1

    def claim(self, entry: Entry, now: datetime, *, message_id: str) -> bool:
        """Move ``entry`` to ``sending`` if nobody else has touched it since it was planned.

        A compare-and-set on (state, attempts): of two runs working on the same plan (an
        overlapping cron job, a re-run started too early) only one gets each message. An
        uncertain entry (handed over) is never claimed: it must be settled first.
        """
        with self._conn:
            cur = self._conn.execute(
                "UPDATE digest_ledger SET state = 'sending', message_id = ?, attempts = attempts + 1,"
                " error = '', reply = '', handed_over = '', updated = ?"
                " WHERE id = ? AND state = ? AND attempts = ? AND handed_over = ''",
                (message_id, utc_text(now), entry.id, entry.state, entry.attempts),
            )
        return cur.rowcount == 1

    def hand_over(self, entry_id: int, now: datetime) -> None:
        """Record, durably, that the message is about to be completed (its final ``.``).

        Synced to disk (``synchronous=FULL`` for this commit): a power cut after the server
        took the message must not leave a row that looks "certainly not sent".
        """
        self._conn.execute("PRAGMA synchronous=FULL")
        try:
            with self._conn:
                cur = self._conn.execute(
                    "UPDATE digest_ledger SET handed_over = ?, updated = ? WHERE id = ? AND state = 'sending'",
                    (utc_text(now), utc_text(now), entry_id),
                )
        finally:
            self._conn.execute("PRAGMA synchronous=NORMAL")
        if cur.rowcount != 1:
            raise StoreError(f"digest ledger row {entry_id} is no longer 'sending': not completing its message")

    def record_error(self, entry_id: int, error: str, now: datetime) -> None:
        """Note what went wrong without changing the state (an uncertain ``sending`` stays so)."""
        with self._conn:
            self._conn.execute(
                "UPDATE digest_ledger SET error = ?, updated = ? WHERE id = ?", (error[:1000], utc_text(now), entry_id)
            )

    def uncertain(self) -> list[Entry]:
        """Entries handed over without an answer recorded, oldest first."""
        rows = self._conn.execute(
            f"SELECT {_COLUMNS} FROM digest_ledger WHERE state = 'sending' AND handed_over != '' ORDER BY handed_over, id"
        )
        return [_entry(r) for r in rows]

    def settle(self, entry_id: int, delivered: bool, now: datetime, *, how: str) -> bool:
        """Settle one uncertain entry: ``sent`` (the server took it) or ``pending`` (send again).

        ``how`` says on what evidence (kept in ``settled``). False when the entry is not
        uncertain (any more).
        """
        note = f"{utc_text(now)} {'delivered' if delivered else 'resend'}: {how}"[:1000]
        with self._conn:
            cur = self._conn.execute(
                "UPDATE digest_ledger SET state = ?, settled = ?, updated = ?,"
                " handed_over = CASE WHEN ? THEN handed_over ELSE '' END"
                " WHERE id = ? AND state = 'sending' AND handed_over != ''",
                ("sent" if delivered else "pending", note, utc_text(now), delivered, entry_id),
            )
        return cur.rowcount == 1

    def sent_between(self, start: datetime, end: datetime) -> list[Entry]:
        """Entries the server is known to have accepted, handed over within [start, end]."""
        rows = self._conn.execute(
            f"SELECT {_COLUMNS} FROM digest_ledger WHERE state = 'sent' AND reply != ''"
            " AND handed_over >= ? AND handed_over <= ? ORDER BY id",
            (utc_text(start), utc_text(end)),
        )
        return [_entry(r) for r in rows]

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


_COLUMNS = (
    "id, subscriber_id, period_start, period_end, state, message_id, attempts, error, handed_over, reply, settled"
)


def _short(reply: str | None) -> str | None:
    return None if reply is None else " ".join(reply.split())[:300]


def _entry(row: tuple[Any, ...]) -> Entry:
    return Entry(
        row[0],
        row[1],
        Period(parse_utc(row[2]), parse_utc(row[3])),
        *row[4:],
    )
