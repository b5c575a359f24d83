"""A sending process killed mid-run (SIGKILL, no clean-up) leaves a true ledger."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from collections import Counter
from datetime import timedelta

from policytrack.digest.run import DigestRun
from policytrack.digest.smtp import Mailer, SmtpOptions
from policytrack.digest.subscribers import Subscribers

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


def test_killed_while_the_server_holds_a_message(tmp_path, store, smtp_server):
    settings = make_settings(tmp_path, port=smtp_server.port)
    book = Subscribers(store, settings)
    for email, name, topics, language in PEOPLE:
        book.add(NOW - timedelta(days=40), email=email, name=name, topics=topics, language=language)
    smtp_server.hold_data_after = 2
    tests_dir = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    proc = subprocess.Popen(
        [sys.executable, "-c", SENDER, tests_dir, str(tmp_path), str(smtp_server.port), str(store.path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
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
