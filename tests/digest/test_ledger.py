"""The ledger's plan: resume unfinished entries, new periods from the last closed one, min gap."""

from __future__ import annotations

from datetime import timedelta

import pytest

from policytrack.digest.subscribers import Subscribers

from .conftest import NOW


@pytest.fixture
def book(store, settings):
    b = Subscribers(store, settings)
    b.add(NOW, email="ana@example.org", topics=["due-diligence"])
    b.add(NOW, email="ben@example.org", topics=["circular-electronics"])
    return b


def test_first_period_is_the_last_seven_days_and_replanning_resumes(store, book):
    ledger = store.ledger
    plan = ledger.plan(list(book.all()), NOW)
    assert [(e.subscriber_id, e.period.start, e.period.end, e.state) for e in plan] == [
        (1, NOW - timedelta(days=7), NOW, "pending"),
        (2, NOW - timedelta(days=7), NOW, "pending"),
    ]
    later = ledger.plan(list(book.all()), NOW + timedelta(hours=1))
    assert [e.id for e in later] == [e.id for e in plan]
    assert [e.period.end for e in later] == [NOW, NOW]  # the same periods, not new ones


def test_next_period_starts_where_the_last_closed_one_ended(store, book):
    ledger = store.ledger
    first = ledger.plan(list(book.all()), NOW)
    ledger.mark(first[0].id, "sending", NOW, message_id="<m1@example.org>")
    ledger.mark(first[0].id, "sent", NOW)
    ledger.mark(first[1].id, "empty", NOW)
    assert ledger.plan(list(book.all()), NOW + timedelta(hours=2)) == []  # not due yet: min gap
    week_later = NOW + timedelta(days=7)
    second = ledger.plan(list(book.all()), week_later)
    assert [(e.period.start, e.period.end) for e in second] == [(NOW, week_later)] * 2
    entry = ledger.get(first[0].id)
    assert (entry.state, entry.message_id, entry.attempts) == ("sent", "<m1@example.org>", 1)
    assert ledger.counts() == {"sent": 1, "empty": 1, "pending": 2}


def test_failed_and_sending_entries_are_resumed_with_their_period(store, book):
    ledger = store.ledger
    first = ledger.plan(list(book.all()), NOW)
    ledger.mark(first[0].id, "sending", NOW)
    ledger.mark(first[1].id, "sending", NOW)
    ledger.mark(first[1].id, "failed", NOW, error="550 mailbox unavailable")
    again = ledger.plan(list(book.all()), NOW + timedelta(days=3))
    assert [(e.id, e.state, e.period.end) for e in again] == [
        (first[0].id, "sending", NOW),
        (first[1].id, "failed", NOW),
    ]
    assert again[1].error == "550 mailbox unavailable"


def test_unsubscribed_get_no_new_period(store, book):
    book.remove("ben@example.org", NOW)
    plan = store.ledger.plan(list(book.all()), NOW)
    assert [e.subscriber_id for e in plan] == [1]


def test_one_entry_per_subscriber_and_period_start(store, book):
    import sqlite3

    store.ledger.plan(list(book.all()), NOW)
    # The schema itself refuses a second row for one period, whatever code writes it.
    raw = sqlite3.connect(store.path)
    with pytest.raises(sqlite3.IntegrityError), raw:
        raw.execute(
            "INSERT INTO digest_ledger (subscriber_id, period_start, period_end, state, updated)"
            " SELECT subscriber_id, period_start, period_end, 'pending', updated FROM digest_ledger"
        )


# ---------------------------------------------------------------- hand-over, reply, settling


def test_an_uncertain_entry_cannot_be_claimed_until_settled(store, book):
    ledger = store.ledger
    entry = ledger.plan(list(book.all()), NOW)[0]
    assert ledger.claim(entry, NOW, message_id="<m1@example.org>")
    ledger.hand_over(entry.id, NOW)
    stuck = ledger.get(entry.id)
    assert stuck.uncertain and [e.id for e in ledger.uncertain()] == [entry.id]
    assert not ledger.claim(stuck, NOW, message_id="<m1@example.org>")  # not even by --resend-uncertain
    assert ledger.settle(entry.id, False, NOW, how="mail log has no such Message-ID")
    back = ledger.get(entry.id)
    assert (back.state, back.handed_over, back.uncertain) == ("pending", "", False)
    assert back.settled.endswith("resend: mail log has no such Message-ID")
    assert not ledger.settle(entry.id, True, NOW, how="twice")  # only uncertain entries
    assert ledger.claim(back, NOW, message_id="<m1@example.org>")
    ledger.hand_over(entry.id, NOW)
    ledger.mark(entry.id, "sent", NOW, reply="250 2.0.0  Ok:\r\n queued as 4XyZ", expect=("sending",))
    done = ledger.get(entry.id)
    assert (done.state, done.reply, done.attempts) == ("sent", "250 2.0.0 Ok: queued as 4XyZ", 2)


def test_hand_over_refuses_an_entry_that_is_not_sending(store, book):
    from policytrack.errors import StoreError

    entry = store.ledger.plan(list(book.all()), NOW)[0]
    with pytest.raises(StoreError, match="no longer 'sending'"):
        store.ledger.hand_over(entry.id, NOW)


def test_sending_rows_of_the_previous_release_become_uncertain(tmp_path):
    """Before this migration nothing said whether a 'sending' row had been handed over."""
    import sqlite3

    from policytrack.store import Store
    from policytrack.store.schema import MIGRATIONS, SCHEMA_VERSION

    before = next(i for i, (what, _) in enumerate(MIGRATIONS) if what.startswith("digest ledger: when"))
    path = tmp_path / "old.sqlite3"
    raw = sqlite3.connect(path)
    for _, sql in MIGRATIONS[:before]:
        raw.executescript(sql)
    raw.execute(f"PRAGMA user_version = {before}")
    raw.execute("INSERT INTO subscribers (email, created, updated) VALUES ('a@example.org', 'x', 'x')")
    raw.execute("INSERT INTO subscribers (email, created, updated) VALUES ('b@example.org', 'x', 'x')")
    for sub, state in ((1, "sending"), (2, "pending")):
        raw.execute(
            "INSERT INTO digest_ledger (subscriber_id, period_start, period_end, state, updated)"
            " VALUES (?, '2025-03-03T09:00:00+00:00', '2025-03-10T09:00:00+00:00', ?, '2025-03-10T09:00:05+00:00')",
            (sub, state),
        )
    raw.commit()
    raw.close()
    with Store(path) as store:
        assert raw_version(path) == SCHEMA_VERSION
        assert [(e.state, e.uncertain, e.handed_over) for e in store.ledger.entries()] == [
            ("sending", True, "2025-03-10T09:00:05+00:00"),
            ("pending", False, ""),
        ]


def raw_version(path) -> int:
    import sqlite3

    with sqlite3.connect(path) as conn:
        return conn.execute("PRAGMA user_version").fetchone()[0]
