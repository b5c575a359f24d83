from __future__ import annotations

from datetime import date

from policytrack.model import Document, Event, Procedure
from policytrack.upcoming import upcoming_dates


def test_upcoming_dates_in_window_soonest_first():
    proc = Procedure(
        id="proc:2022/0051(COD)",
        reference="2022/0051(COD)",
        title="CSDDD",
        source="oeil",
        events=[
            Event("2024-06-13", "Final act signed"),
            Event("2027-07-26", "Deadline for transposition", forecast=True),
        ],
    )
    long_title = "Regulation (EU) 2023/1542 concerning batteries and waste batteries, amending Directive " * 3
    doc = Document(
        id="celex:32023R1542",
        title=long_title,
        source="eurlex",
        celex="32023R1542",
        dates={"application": "2027-02-18", "publication": "2027-01-01"},
    )
    found = upcoming_dates([proc, doc], date(2026, 11, 23), date(2027, 12, 31))
    assert [(u.date, u.kind) for u in found] == [(date(2027, 2, 18), "deadline"), (date(2027, 7, 26), "forecast")]
    assert found[1].title == "2022/0051(COD): Deadline for transposition" and found[1].procedure == "2022/0051(COD)"
    # Long titles are cut at a word, with a marker, never mid-word.
    assert found[0].title.startswith("Date of application: 32023R1542 Regulation (EU) 2023/1542")
    assert found[0].title.endswith("[...]") and len(found[0].title) < 170
    assert upcoming_dates([proc, doc], date(2026, 11, 23), date(2027, 1, 31)) == []
