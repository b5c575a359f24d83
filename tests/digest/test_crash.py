"""A sending process killed mid-run (SIGKILL, no clean-up) leaves a true ledger."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from collections import Counter
from datetime import timedelta

import pytest

from policytrack.digest.run import DigestRun
from policytrack.digest.settle import settle
from policytrack.digest.smtp import Mailer, SmtpOptions
from policytrack.digest.subscribers import Subscribers
from policytrack.errors import StoreError

from .conftest import NOW, make_settings, notes
from .test_send import PEOPLE

SENDER = textwrap.dedent("""
    import json, sys
    from datetime import datetime
    from pathlib import Path
    sys.path.insert(0, sys.argv[1])
    from digest.conftest import make_settings, notes, NOW
    from policytrack.digest.run import DigestRun
    from policytrack.digest.smtp import Mailer, SmtpOptions
    from policytrack.store import Store

    settings = make_settings(Path(sys.argv[2]), port=int(sys.argv[3]))
    with Store(sys.argv[4]) as store:
        run = DigestRun(store, settings, NOW, notes=notes(NOW))
        with Mailer(SmtpOptions.from_settings(settings.digest)) as mailer:
            report = run.send(mailer)
    print(json.dumps([r.status for r in report.results]))
""")


def _subscribe(store, settings):
    book = Subscribers(store, settings)
    for email, name, topics, language in PEOPLE:
        book.add(NOW - timedelta(days=40), email=email, name=name, topics=topics, language=language)


def _sender(script: str, tmp_path, store, smtp_server, *extra: str) -> subprocess.Popen:
    """``script`` (a sender) in a child process, on this test's store and SMTP server."""
    tests_dir = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    return subprocess.Popen(
        [sys.executable, "-c", script, tests_dir, str(tmp_path), str(smtp_server.port), str(store.path), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def test_killed_while_the_server_holds_a_message(tmp_path, store, smtp_server):
    settings = make_settings(tmp_path, port=smtp_server.port)
    _subscribe(store, settings)
    smtp_server.hold_data_after = 2
    proc = _sender(SENDER, tmp_path, store, smtp_server)
    try:
        assert smtp_server.data_held.wait(60), proc.communicate(timeout=5)
        os.kill(proc.pid, signal.SIGKILL)  # the third message is on the wire, its reply not yet sent
        proc.wait(30)
    finally:
        smtp_server.release.set()
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    ledger = store.ledger
    assert [e.state for e in ledger.entries()] == ["sent", "sent", "sending", "pending", "pending"]
    assert len(smtp_server.messages) == 2
    # the re-run sends the two never attempted; the one in flight is reported, not resent
    rerun = DigestRun(store, settings, NOW + timedelta(minutes=5), notes=notes(NOW))
    with Mailer(SmtpOptions.from_settings(settings.digest)) as mailer:
        report = rerun.send(mailer)
    assert [(r.subscriber.email, r.status) for r in report.results] == [
        ("cy@example.org", "uncertain"),
        ("dee@example.org", "sent"),
        ("eli@example.org", "sent"),
    ]
    # the server's log shows it refused the held message: resend it
    with Mailer(SmtpOptions.from_settings(settings.digest)) as mailer:
        report = rerun.send(mailer, resend_uncertain=True)
    assert [(r.subscriber.email, r.status) for r in report.results] == [("cy@example.org", "sent")]
    assert Counter(smtp_server.recipients()) == Counter({p[0]: 1 for p in PEOPLE})
    assert ledger.counts() == {"sent": 5}


# ---------------------------------------------------------------- where the kill lands

# The sender again, dying on the third message at a chosen point around the final ".":
# "before": before the hand-over is recorded (the "." is never sent);
# "after": after it is recorded, before the "." goes out.
DYING_SENDER = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path
    sys.path.insert(0, sys.argv[1])
    from digest.conftest import make_settings, notes, NOW
    from policytrack.digest.run import DigestRun
    from policytrack.digest.smtp import Mailer, SmtpOptions
    from policytrack.store import Store
    from policytrack.store.ledger import Ledger

    stage, calls = sys.argv[5], []
    recorded = Ledger.hand_over

    def dying(self, entry_id, now):
        calls.append(entry_id)
        if len(calls) == 3 and stage == "before":
            os.kill(os.getpid(), signal.SIGKILL)
        recorded(self, entry_id, now)
        if len(calls) == 3:
            os.kill(os.getpid(), signal.SIGKILL)

    Ledger.hand_over = dying
    settings = make_settings(Path(sys.argv[2]), port=int(sys.argv[3]))
    with Store(sys.argv[4]) as store:
        with Mailer(SmtpOptions.from_settings(settings.digest)) as mailer:
            DigestRun(store, settings, NOW, notes=notes(NOW)).send(mailer)
""")


def _killed_sender(tmp_path, store, smtp_server, stage: str) -> None:
    proc = _sender(DYING_SENDER, tmp_path, store, smtp_server, stage)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == -signal.SIGKILL, err.decode()


def _rerun(store, settings, minutes: int, **kw):
    run = DigestRun(store, settings, NOW + timedelta(minutes=minutes), notes=notes(NOW))
    with Mailer(SmtpOptions.from_settings(settings.digest)) as mailer:
        return run.send(mailer, **kw)


def test_killed_before_the_final_dot_is_resent_by_the_next_run_alone(tmp_path, store, smtp_server):
    settings = make_settings(tmp_path, port=smtp_server.port)
    _subscribe(store, settings)
    _killed_sender(tmp_path, store, smtp_server, "before")
    ledger = store.ledger
    third = ledger.entries(3)[0]
    assert (third.state, third.handed_over, third.uncertain) == ("sending", "", False)
    assert len(smtp_server.seen) == 2  # the server never got the third message whole
    report = _rerun(store, settings, 5)
    assert [(r.subscriber.email, r.status) for r in report.results] == [
        ("cy@example.org", "sent"),
        ("dee@example.org", "sent"),
        ("eli@example.org", "sent"),
    ]
    assert "(attempt 2)" in report.results[0].detail
    assert Counter(smtp_server.recipients()) == Counter({p[0]: 1 for p in PEOPLE})
    # the resend carries the Message-ID the first try had claimed
    got = {m.rcpt[0]: m.message["Message-ID"] for m in smtp_server.messages}
    assert got["cy@example.org"] == third.message_id
    assert ledger.counts() == {"sent": 5}


def test_killed_after_the_hand_over_is_uncertain_and_settled_on_its_own(tmp_path, store, smtp_server):
    settings = make_settings(tmp_path, port=smtp_server.port)
    _subscribe(store, settings)
    _killed_sender(tmp_path, store, smtp_server, "after")
    ledger = store.ledger
    assert [e.uncertain for e in ledger.entries()] == [False, False, True, False, False]
    report = _rerun(store, settings, 5)
    assert [(r.subscriber.email, r.status) for r in report.results] == [
        ("cy@example.org", "uncertain"),
        ("dee@example.org", "sent"),
        ("eli@example.org", "sent"),
    ]
    assert "check the mail log for <digest." in report.results[0].detail
    # the mail log (the server's record) has no such Message-ID: settle cy's digest as "resend"
    cy = ledger.entries(3)[0]
    assert cy.message_id not in smtp_server.accepted_ids()
    assert [u.email for u in settle(store, ["cy@example.org"], delivered=False, now=NOW)] == ["cy@example.org"]
    assert "resend: settled by a person" in ledger.entries(3)[0].settled
    assert [r.status for r in _rerun(store, settings, 10).results] == ["sent"]
    assert Counter(smtp_server.recipients()) == Counter({p[0]: 1 for p in PEOPLE})
    assert ledger.entries(3)[0].reply.startswith("250 2.0.0 accepted as")


@pytest.mark.parametrize("dedupe, copies", [(True, 1), (False, 2)])
def test_a_blind_resend_is_harmless_only_where_the_server_drops_repeated_message_ids(
    tmp_path, store, smtp_server, dedupe, copies
):
    """Killed while the server held the third message, which it then accepted."""
    settings = make_settings(tmp_path, port=smtp_server.port)
    _subscribe(store, settings)
    smtp_server.hold_data_after, smtp_server.accept_held, smtp_server.dedupe = 2, True, dedupe
    proc = _sender(SENDER, tmp_path, store, smtp_server)
    try:
        assert smtp_server.data_held.wait(60), proc.communicate(timeout=5)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(30)
    finally:
        smtp_server.release.set()
        if proc.poll() is None:
            proc.kill()
    assert len(smtp_server.messages) == 3  # the server took cy's digest; the sender never heard
    assert store.ledger.entries(3)[0].uncertain
    report = _rerun(store, settings, 5, resend_uncertain=True)
    assert [r.status for r in report.results] == ["sent"] * 3
    assert Counter(smtp_server.recipients())["cy@example.org"] == copies
    assert "digest send --resend-uncertain" in store.ledger.entries(3)[0].settled


def test_a_second_run_refuses_while_the_first_is_sending(tmp_path, store, smtp_server):
    settings = make_settings(tmp_path, port=smtp_server.port)
    _subscribe(store, settings)
    smtp_server.hold_data_after, smtp_server.accept_held = 0, True
    proc = _sender(SENDER, tmp_path, store, smtp_server)
    try:
        assert smtp_server.data_held.wait(60), proc.communicate(timeout=5)
        # the first run holds the send lock: its 'sending' row must not be taken for abandoned
        with pytest.raises(StoreError, match=r"another digest run is sending from .* \(pid \d+\)"):
            _rerun(store, settings, 1)
    finally:
        smtp_server.release.set()
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert Counter(smtp_server.recipients()) == Counter({p[0]: 1 for p in PEOPLE})
