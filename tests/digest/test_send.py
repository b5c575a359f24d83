"""Sending through a real SMTP server on 127.0.0.1 (aiosmtpd), then reading what it received."""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta

import pytest

from policytrack.digest.render import Renderer
from policytrack.digest.run import DigestRun
from policytrack.digest.settle import settle
from policytrack.digest.smtp import Mailer, SmtpOptions
from policytrack.digest.subscribers import Subscribers
from policytrack.digest.tokens import verify_token
from policytrack.store import Store
from policytrack.timeutil import Period

from .conftest import BASE_URL, NOW, SECRET, corpus, make_settings, notes

PEOPLE = [
    ("ana@example.org", "Ana", ["due-diligence"], "en"),
    ("ben@example.org", "Ben", ["circular-electronics"], "en"),
    ("cy@example.org", "Cy", ["public-procurement"], "en"),
    ("dee@example.org", "Dee", ["due-diligence", "circular-electronics"], "fr"),
    ("eli@example.org", "", ["due-diligence"], "en"),
]


@pytest.fixture
def setup(tmp_path, store, smtp_server):
    settings = make_settings(tmp_path, port=smtp_server.port)
    book = Subscribers(store, settings)
    for email, name, topics, language in PEOPLE:
        book.add(NOW - timedelta(days=40), email=email, name=name, topics=topics, language=language)
    return settings, store, smtp_server


def run(settings, store, now=NOW, **kw):
    digest_run = DigestRun(store, settings, now, notes=notes(NOW), **kw)
    with Mailer(SmtpOptions.from_settings(settings.digest)) as mailer:
        return digest_run.send(mailer)


def by_rcpt(server):
    return {m.rcpt[0]: m.message for m in server.messages}


def test_every_subscriber_gets_their_own_digest(setup):
    settings, store, server = setup
    report = run(settings, store)
    assert [r.status for r in report.results] == ["sent"] * 5 and report.ok
    assert all(len(m.rcpt) == 1 for m in server.messages)
    got = by_rcpt(server)
    assert sorted(got) == sorted(p[0] for p in PEOPLE)
    ledger = store.ledger
    for (email, _name, _topics, _language), sub_id in zip(PEOPLE, range(1, 6)):
        msg = got[email]
        assert msg.get_content_type() == "multipart/alternative"
        assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]
        assert [a.addr_spec for a in msg["To"].addresses] == [email]
        assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        token = re.search(r"token=([^>]+)>", msg["List-Unsubscribe"]).group(1)
        assert verify_token(SECRET, token, email) == sub_id
        [entry] = ledger.entries(sub_id)
        assert entry.state == "sent" and entry.message_id == msg["Message-ID"]
        html = msg.get_body(("html",)).get_content()
        links = re.findall(r'href="([^"]+)"', html)
        assert links and all(link.startswith(BASE_URL) for link in links), links
    text = {e: m.get_body(("plain",)).get_content() for e, m in got.items()}
    assert "2022/0051(COD)" in text["ana@example.org"] and "2023/0083(COD)" not in text["ana@example.org"]
    assert "Plenary vote on the corrigendum" in text["ana@example.org"]
    assert "2023/0083(COD)" in text["ben@example.org"] and "WEEE" in text["ben@example.org"]
    assert "2022/0051(COD)" not in text["ben@example.org"]
    assert "socially responsible tenders" in text["cy@example.org"] and "2022/0051" not in text["cy@example.org"]
    assert "Bonjour Dee," in text["dee@example.org"]
    assert "2022/0051(COD)" in text["dee@example.org"] and "2023/0083(COD)" in text["dee@example.org"]
    assert "Hello," in text["eli@example.org"]
    assert f"{BASE_URL}documents/press-20250307ipr1/" in got["ana@example.org"].get_body(("html",)).get_content()
    # Running again right away sends nothing: nobody is due.
    again = run(settings, store, NOW + timedelta(minutes=10))
    assert again.results == [] and len(server.messages) == 5


def test_next_week_covers_only_what_changed_since(setup):
    settings, store, server = setup
    run(settings, store)
    later = NOW + timedelta(days=7)
    week = corpus(NOW)["week"]
    store.upsert([week[0].replace(stage="Procedure completed", status="completed")], later - timedelta(days=1))
    report = run(settings, store, later)
    # ana, dee and eli follow the dossier; ben and cy had a quiet week
    assert {r.subscriber.email: r.status for r in report.results} == {
        "ana@example.org": "sent",
        "ben@example.org": "empty",
        "cy@example.org": "empty",
        "dee@example.org": "sent",
        "eli@example.org": "sent",
    }
    text = by_rcpt_last(server)["ana@example.org"].get_body(("plain",)).get_content()
    assert "stage: Awaiting Parliament's position in 2nd reading → Procedure completed" in text
    assert "MEPs" not in text  # last week's press release was in last week's digest


def by_rcpt_last(server):
    out = {}
    for m in server.messages:
        out[m.rcpt[0]] = m.message
    return out


def test_a_refused_recipient_does_not_stop_the_others(setup):
    settings, store, server = setup
    server.refuse = {"ben@example.org"}
    report = run(settings, store)
    statuses = {r.subscriber.email: r.status for r in report.results}
    assert statuses.pop("ben@example.org") == "failed" and set(statuses.values()) == {"sent"}
    assert not report.ok
    assert "550" in next(r.detail for r in report.results if r.status == "failed")
    assert sorted(server.recipients()) == sorted(p[0] for p in PEOPLE if p[0] != "ben@example.org")
    server.refuse = set()
    report = run(settings, store, NOW + timedelta(minutes=5))
    assert [(r.subscriber.email, r.status) for r in report.results] == [("ben@example.org", "sent")]
    assert Counter(server.recipients()) == Counter({p[0]: 1 for p in PEOPLE})


def test_connection_dropped_after_two_messages_then_a_rerun_delivers_the_rest(setup):
    settings, store, server = setup
    server.drop_at_mail_after = 2
    report = run(settings, store)
    assert [r.status for r in report.results] == ["sent", "sent", "failed", "not sent", "not sent"]
    assert "connection lost before the message was sent" in report.results[2].detail
    assert "run stopped" in report.results[3].detail
    assert store.ledger.counts() == {"sent": 2, "failed": 1, "pending": 2}
    assert len(server.messages) == 2
    server.down, server.drop_at_mail_after = False, None  # the server is back
    report = run(settings, store, NOW + timedelta(minutes=30))
    assert [r.status for r in report.results] == ["sent"] * 3 and report.ok
    assert Counter(server.recipients()) == Counter({p[0]: 1 for p in PEOPLE})
    assert store.ledger.counts() == {"sent": 5}
    # every digest covers the period planned by the first run
    assert {e.period.end for e in store.ledger.entries()} == {NOW}


def test_connection_dropped_during_data_is_uncertain_and_not_resent_by_default(setup):
    settings, store, server = setup
    server.drop_in_data_after = 1
    report = run(settings, store)
    assert [r.status for r in report.results] == ["sent", "uncertain", "sent", "sent", "sent"]
    assert "after the message was handed over" in report.results[1].detail
    ledger = store.ledger
    assert ledger.entries(2)[0].state == "sending"
    # a plain re-run leaves the uncertain digest alone and says so
    again = run(settings, store, NOW + timedelta(minutes=5))
    assert [(r.subscriber.email, r.status) for r in again.results] == [("ben@example.org", "uncertain")]
    assert len(server.messages) == 4
    # after checking the mail log, the operator resends it: same Message-ID as the first attempt
    first_id = ledger.entries(2)[0].message_id
    digest_run = DigestRun(store, settings, NOW + timedelta(minutes=10), notes=notes(NOW))
    with Mailer(SmtpOptions.from_settings(settings.digest)) as mailer:
        resent = digest_run.send(mailer, resend_uncertain=True)
    assert [r.status for r in resent.results] == ["sent"]
    assert by_rcpt(server)["ben@example.org"]["Message-ID"] == first_id
    assert Counter(server.recipients()) == Counter({p[0]: 1 for p in PEOPLE})
    assert ledger.entries(2)[0].attempts == 2


def test_unreachable_server_sends_nothing_and_loses_nothing(tmp_path, store):
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings = make_settings(tmp_path, port=port)
    Subscribers(store, settings).add(NOW, email="ana@example.org", topics=["due-diligence"])
    report = run(settings, store)
    assert [r.status for r in report.results] == ["not sent"]
    assert "cannot connect to SMTP server 127.0.0.1:" in report.results[0].detail
    assert store.ledger.counts() == {"pending": 1}


def test_quiet_week_sends_nothing_unless_configured(tmp_path, smtp_server):
    with Store(tmp_path / "quiet.sqlite3") as store:
        store.upsert(corpus(NOW)["baseline"], NOW - timedelta(days=30))
        settings = make_settings(tmp_path, port=smtp_server.port)
        Subscribers(store, settings).add(NOW, email="ana@example.org", topics=["due-diligence"])
        report = DigestRun(store, settings, NOW, notes=[]).send(Mailer(SmtpOptions.from_settings(settings.digest)))
        assert [r.status for r in report.results] == ["empty"] and report.ok
        assert smtp_server.messages == [] and store.ledger.counts() == {"empty": 1}
        settings = make_settings(tmp_path, port=smtp_server.port, send_empty=True)
        later = NOW + timedelta(days=7)
        with Mailer(SmtpOptions.from_settings(settings.digest)) as mailer:
            report = DigestRun(store, settings, later, notes=[]).send(mailer)
        assert [r.status for r in report.results] == ["sent"]
        text = smtp_server.messages[0].message.get_body(("plain",)).get_content()
        assert "Nothing changed on what you follow this week." in text
        assert "Plenary vote on the corrigendum" in text  # upcoming dates still shown


def test_unsubscribed_before_their_turn_get_nothing(setup):
    settings, store, server = setup
    digest_run = DigestRun(store, settings, NOW, notes=notes(NOW))
    plan = digest_run.plan()
    Subscribers(store, settings).remove("cy@example.org", NOW)
    with Mailer(SmtpOptions.from_settings(settings.digest)) as mailer:
        report = digest_run.send(mailer, plan=plan)
    assert {r.subscriber.email: r.status for r in report.results}["cy@example.org"] == "cancelled"
    assert "cy@example.org" not in server.recipients() and len(server.messages) == 4


def test_two_overlapping_runs_send_each_digest_once(setup):
    settings, store, server = setup
    first = DigestRun(store, settings, NOW, notes=notes(NOW))
    plan = first.plan()
    with Store(store.path) as other_connection:  # a second process on the same store file
        second = DigestRun(other_connection, settings, NOW + timedelta(minutes=1), notes=notes(NOW))
        second_plan = second.plan()
        assert [e.id for e in second_plan] == [e.id for e in plan]  # it resumes the same entries
        with Mailer(SmtpOptions.from_settings(settings.digest)) as mailer:
            a = first.send(mailer, plan=plan[:3])
        with Mailer(SmtpOptions.from_settings(settings.digest)) as mailer:
            b = second.send(mailer, plan=second_plan)
    assert [r.status for r in a.results] == ["sent"] * 3
    assert [r.status for r in b.results] == ["skipped"] * 3 + ["sent"] * 2
    assert Counter(server.recipients()) == Counter({p[0]: 1 for p in PEOPLE})
    assert store.ledger.counts() == {"sent": 5}


def test_the_message_id_of_a_resend_is_the_first_try_s(setup):
    """Runs started at times with microseconds: the first try's period (fresh) and the resend's
    (read back from the store) must give one Message-ID, as the server sees it."""
    settings, store, server = setup
    server.drop_in_data_after = 0  # ana's first try reaches the server whole, then the line drops
    first = run(settings, store, NOW + timedelta(microseconds=123_456))
    assert first.results[0].status == "uncertain"
    ledger = store.ledger
    [entry] = ledger.entries(1)
    assert entry.period.end == NOW  # the store keeps seconds; so does the period in memory
    tried = server.seen[0].message["Message-ID"]
    assert tried == entry.message_id
    settle(store, ["ana@example.org"], delivered=False, now=NOW)
    again = run(settings, store, NOW + timedelta(minutes=5, microseconds=654_321))
    assert [r.status for r in again.results] == ["sent"]
    assert by_rcpt(server)["ana@example.org"]["Message-ID"] == tried
    # and it is the rule's Message-ID for (subscriber, period), not merely a remembered one
    sub = Subscribers(store, settings).get("ana@example.org")
    assert Renderer(settings).message_id(sub, entry.period) == tried
    fresh = Renderer(settings).message_id(sub, Period(NOW - timedelta(days=7, microseconds=-999), NOW))
    assert fresh == tried
