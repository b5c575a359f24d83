"""A digest run: plan the periods, select and render each digest, write .eml files or send them.

``build`` only reads the ledger (review before sending). ``send`` walks the ledger's plan and
records every step (see ``ledger`` for the exactly-once reasoning). One subscriber's problem
(refused recipient, broken saved search, rendering error) is recorded and the run goes on; a
mail server that cannot be reached any more stops the run and leaves the rest ``pending``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from email import policy
from pathlib import Path

from ..config import Settings
from ..content import load_content
from ..errors import PolicytrackError
from ..model import Note
from ..store import MIN_GAP, SendLock, Store
from ..store import Entry as LedgerEntry
from ..timeutil import Period
from .render import Renderer
from .selection import SearchBackend, Selector
from .smtp import ConnectError, DeliveryError, Mailer
from .subscribers import Subscriber, Subscribers

log = logging.getLogger(__name__)

# Result statuses, in the words the CLI table shows.
SENT, WRITTEN, EMPTY, FAILED, UNCERTAIN, NOT_SENT, CANCELLED, NOT_DUE, SKIPPED = (
    "sent",
    "written",
    "empty",
    "failed",
    "uncertain",
    "not sent",
    "cancelled",
    "not due",
    "skipped",
)
PROBLEMS = (FAILED, UNCERTAIN, NOT_SENT)


@dataclass(frozen=True)
class Result:
    subscriber: Subscriber
    period: Period | None
    status: str
    detail: str = ""
    items: int = 0


@dataclass
class RunReport:
    results: list[Result] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(r.status in PROBLEMS for r in self.results)

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)


Progress = Callable[[Result], None]


def backend_for(
    store: Store, settings: Settings, open_backend: Callable[[], SearchBackend]
) -> tuple[SearchBackend | None, str]:
    """The search backend when an active subscriber follows a saved search, else None; and why
    it could not be opened (those subscribers' digests then fail instead of silently losing
    their search results). ``open_backend`` is the configured index, chosen by the caller."""
    subs = Subscribers(store, settings)
    if not any(s.searches or s.queries for s in subs.all(active_only=True)):
        return None, ""
    try:
        return open_backend(), ""
    except PolicytrackError as e:
        why = f"cannot open the search index for saved searches: {e}"
        log.warning("%s", why)
        return None, why


def eml_name(subscriber: Subscriber) -> str:
    return f"{subscriber.id:06d}-{re.sub(r'[^A-Za-z0-9@._+-]', '_', subscriber.email)}.eml"


class DigestRun:
    """Everything one run shares: settings, subscribers, ledger, selector, renderer, ``now``."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        now: datetime,
        *,
        notes: Iterable[Note] | None = None,
        backend: SearchBackend | None = None,
        backend_error: str = "",
        renderer: Renderer | None = None,
        min_gap: timedelta = MIN_GAP,
    ) -> None:
        self.store = store
        self.settings = settings
        self.now = now
        self.min_gap = min_gap
        self.subscribers = Subscribers(store, settings)
        self.ledger = store.ledger
        if notes is None:
            loaded, errors = load_content(settings.site.content_dir)
            for error in errors:
                log.warning("briefing note skipped: %s", error)
            notes = loaded
        self.renderer = renderer or Renderer(settings)
        self.selector = Selector(store, settings, now=now, notes=notes, backend=backend, backend_error=backend_error)

    def _period_for_review(self, sub: Subscriber) -> Period | None:
        entry = self.ledger.open_entry(sub.id)
        if entry is not None:
            return entry.period
        return self.ledger.due_period(sub.id, self.now, min_gap=self.min_gap)

    def build(self, out_dir: Path, *, progress: Progress | None = None) -> RunReport:
        """Write the .eml each due subscriber would get now; the ledger is not changed."""
        out_dir.mkdir(parents=True, exist_ok=True)
        report = RunReport()
        for sub in self.subscribers.all(active_only=True):
            period = self._period_for_review(sub)
            if period is None:
                result = Result(
                    sub, None, NOT_DUE, f"last digest sent less than {self.min_gap.total_seconds() / 3600:g} hours ago"
                )
            else:
                try:
                    content = self.selector.select(sub, period)
                    if content.empty and not self.settings.digest.send_empty:
                        result = Result(sub, period, EMPTY, "nothing new: no message")
                    else:
                        path = out_dir / eml_name(sub)
                        path.write_bytes(self.renderer.message_bytes(sub, content, self.now))
                        result = Result(
                            sub, period, WRITTEN, _with_warnings(str(path), content.warnings), content.count
                        )
                except PolicytrackError as e:
                    result = Result(sub, period, FAILED, str(e))
            report.results.append(result)
            if progress:
                progress(result)
        return report

    def plan(self) -> list[LedgerEntry]:
        """Write this run's ledger entries (see ``Ledger.plan``) and return them."""
        return self.ledger.plan(list(self.subscribers.all()), self.now, min_gap=self.min_gap)

    def send(
        self,
        mailer: Mailer,
        *,
        resend_uncertain: bool = False,
        progress: Progress | None = None,
        plan: list[LedgerEntry] | None = None,
    ) -> RunReport:
        """Send every planned digest once; see ``ledger`` for what each state means.

        Holds the store's ``SendLock`` throughout: a second run refuses to start rather than
        take a message this one is sending for an abandoned one.
        """
        report = RunReport()
        with SendLock(self.store.path):
            entries = self.plan() if plan is None else plan
            by_id = {s.id: s for s in self.subscribers.all()}
            envelope_from = self.renderer.sender.addr_spec
            stopped = ""
            for entry in entries:
                sub = by_id.get(entry.subscriber_id)
                if sub is None:  # purged since the plan was made, ledger entries with them
                    continue
                result, lost = self._send_one(mailer, entry, sub, envelope_from, resend_uncertain, stopped)
                if result.status == NOT_SENT and not stopped:
                    stopped = result.detail
                elif lost:
                    # One reconnection attempt: a server that dropped us once may be back; one
                    # that refuses new sessions is down, and the rest waits for the next run.
                    try:
                        mailer.connect()
                    except ConnectError as e:
                        stopped = f"run stopped: {e}"
                report.results.append(result)
                if progress:
                    progress(result)
        return report

    def _send_one(
        self,
        mailer: Mailer,
        entry: LedgerEntry,
        sub: Subscriber,
        envelope_from: str,
        resend_uncertain: bool,
        stopped: str,
    ) -> tuple[Result, bool]:
        """The outcome for one ledger entry, and whether the SMTP connection was lost."""
        ledger, now = self.ledger, self.now
        taken = Result(sub, entry.period, SKIPPED, "another run took it over")
        if entry.uncertain:
            if not resend_uncertain:
                return Result(sub, entry.period, UNCERTAIN, uncertain_advice(entry)), False
            if not ledger.settle(entry.id, False, now, how="digest send --resend-uncertain"):
                return taken, False
            entry = replace(entry, state="pending", handed_over="")
        planned = (entry.state,)  # every change below is conditional on nobody having moved it
        if not sub.active:
            if not ledger.mark(
                entry.id, "cancelled", now, error="unsubscribed before the digest was sent", expect=planned
            ):
                return taken, False
            return Result(sub, entry.period, CANCELLED, "unsubscribed"), False
        if stopped:
            return Result(sub, entry.period, NOT_SENT, stopped), False
        try:
            content = self.selector.select(sub, entry.period)
            if content.empty and not self.settings.digest.send_empty:
                if not ledger.mark(entry.id, "empty", now, expect=planned):
                    return taken, False
                return Result(sub, entry.period, EMPTY, "nothing new: no message"), False
            # A resend carries the Message-ID of the first try, whatever changed since.
            msg = self.renderer.assemble(sub, content, now, message_id=entry.message_id or None)
            data = msg.as_bytes(policy.SMTP)
        except PolicytrackError as e:
            if not ledger.mark(entry.id, "failed", now, error=str(e), expect=planned):
                return taken, False
            return Result(sub, entry.period, FAILED, str(e)), False
        for warning in content.warnings:
            log.warning("%s: %s", sub.email, warning)
        if mailer.smtp is None:
            try:
                mailer.connect()
            except ConnectError as e:
                return Result(sub, entry.period, NOT_SENT, f"run stopped: {e}"), False
        # A 'sending' entry without hand-over was abandoned by a dead run (this one holds the
        # send lock): its message never got its final ".", so it is sent again, not uncertain.
        if not ledger.claim(entry, now, message_id=msg.message_id):
            return taken, False
        try:
            reply = mailer.send(envelope_from, sub.email, data, on_hand_over=lambda: ledger.hand_over(entry.id, now))
        except DeliveryError as e:
            if e.delivered is None:
                ledger.record_error(entry.id, str(e), now)
                return Result(sub, entry.period, UNCERTAIN, str(e), content.count), e.connection_lost
            ledger.mark(entry.id, "failed", now, error=str(e), reply=e.reply, expect=("sending",))
            return Result(sub, entry.period, FAILED, str(e), content.count), e.connection_lost
        except PolicytrackError as e:  # the hand-over could not be recorded: the "." was not sent
            ledger.mark(entry.id, "failed", now, error=f"not sent: {e}", expect=("sending",))
            return Result(sub, entry.period, FAILED, f"not sent: {e}", content.count), True
        ledger.mark(entry.id, "sent", now, reply=reply, expect=("sending",))
        detail = reply if entry.attempts == 0 else f"{reply} (attempt {entry.attempts + 1})"
        return Result(sub, entry.period, SENT, _with_warnings(detail, content.warnings), content.count), False


def uncertain_advice(entry: LedgerEntry) -> str:
    """What to do about one uncertain entry (the table's detail)."""
    return (
        f"handed over {entry.handed_over} with no answer recorded: check the mail log for {entry.message_id}, "
        "then `policytrack digest settle`"
    )


def _with_warnings(detail: str, warnings: tuple[str, ...]) -> str:
    """The result's detail, followed by what went wrong with parts of the digest (bad queries)."""
    return "; ".join([detail, *warnings])
