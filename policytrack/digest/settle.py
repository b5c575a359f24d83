"""Settling uncertain digests, each on its own: delivered, or back in line to be sent again.

A digest is *uncertain* when its whole message, final ``.`` included, went to the mail server
but no answer was recorded (the sending process died, or the connection dropped, in between).
Only the mail server knows whether it took the message; its log names the message by the
digest's Message-ID, which the ledger keeps. A person (or a script reading that log) then says,
per subscriber, which it was:

* delivered: the row becomes ``sent`` (nothing is sent again);
* resend: the row goes back to ``pending``; the next ``digest send`` sends it with the same
  Message-ID (a server that drops repeated Message-IDs keeps one copy).

Each decision is kept in the ledger (``settled``: when, which, on whose word). Digests whose
final ``.`` never went out are not uncertain: ``digest send`` resends those by itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from ..store import Entry, SendLock, Store, Subscriber
from .errors import DigestError


class SettleError(DigestError):
    """A settle request names no uncertain digest, or contradicts itself."""


@dataclass(frozen=True)
class Uncertain:
    entry: Entry
    email: str  # "#<id>" when the subscriber was purged meanwhile

    def as_dict(self) -> dict[str, object]:
        e = self.entry
        return {
            "email": self.email,
            "ledger_id": e.id,
            "period_start": e.period.start.isoformat(),
            "period_end": e.period.end.isoformat(),
            "message_id": e.message_id,
            "handed_over": e.handed_over,
            "attempts": e.attempts,
            "error": e.error,
        }


def uncertain(store: Store) -> list[Uncertain]:
    """Every uncertain digest, oldest hand-over first."""
    subscribers: dict[int, Subscriber] = {s.id: s for s in store.subscribers.all()}
    out = []
    for entry in store.ledger.uncertain():
        sub = subscribers.get(entry.subscriber_id)
        out.append(Uncertain(entry, sub.email if sub else f"#{entry.subscriber_id}"))
    return out


def settle(
    store: Store, emails: Iterable[str], *, delivered: bool, now: datetime, every: bool = False, who: str = ""
) -> list[Uncertain]:
    """Settle the uncertain digests of ``emails`` (or ``every`` one); returns those settled.

    Holds the store's send lock, so no run is sending meanwhile. An address without an
    uncertain digest is an error, and then nothing is settled.
    """
    wanted = [e.strip().lower() for e in emails]
    if every == bool(wanted):
        raise SettleError("name the subscribers whose digest to settle, or use --all")
    with SendLock(store.path):
        rows = uncertain(store)
        by_email = {u.email.lower(): u for u in rows}
        missing = [e for e in wanted if e not in by_email]
        if missing:
            known = ", ".join(u.email for u in rows) or "none"
            raise SettleError(f"{missing[0]} has no uncertain digest (uncertain: {known})")
        chosen = rows if every else [by_email[e] for e in dict.fromkeys(wanted)]
        how = f"settled by {who or 'a person'} (`digest settle --{'delivered' if delivered else 'resend'}`)"
        return [u for u in chosen if store.ledger.settle(u.entry.id, delivered, now, how=how)]
