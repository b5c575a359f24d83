from __future__ import annotations

from datetime import date

from policytrack.model import Document, Event, Procedure
from policytrack.upcoming import MEMBER_STATES, event_actor, upcoming_dates


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
    assert [(u.date, u.kind) for u in found] == [(date(2027, 2, 18), "deadline"), (date(2027, 7, 26), "deadline")]
    assert found[1].title == "2022/0051(COD): Deadline for transposition" and found[1].procedure == "2022/0051(COD)"
    # Long titles are cut at a word, with a marker, never mid-word.
    assert found[0].title.startswith("Date of application: 32023R1542 Regulation (EU) 2023/1542")
    assert found[0].title.endswith("[...]") and len(found[0].title) < 170
    assert upcoming_dates([proc, doc], date(2026, 11, 23), date(2027, 1, 31)) == []


CSDDD = Procedure(
    id="proc:2022/0051(COD)",
    reference="2022/0051(COD)",
    title="CSDDD",
    source="oeil",
    final_act="32024L1760",
    events=[
        # What OEIL announces, filed under the Parliament (spiders/parsers/oeil.py).
        Event(
            "2027-07-26",
            "Deadline for transposition by the Member States (Directive (EU) 2024/1760)",
            actor="European Parliament",
            forecast=True,
        ),
        Event("2027-03-10", "Indicative plenary sitting date", actor="European Parliament", forecast=True),
    ],
)
DIRECTIVE = Document(
    id="celex:32024L1760",
    title="Directive (EU) 2024/1760 on corporate sustainability due diligence",
    source="cellar",
    celex="32024L1760",
    procedure="2022/0051(COD)",
    dates={"transposition": "2027-07-26", "publication": "2024-07-05"},
)


def test_one_deadline_of_a_dossier_and_its_act_is_one_entry():
    found = upcoming_dates([CSDDD, DIRECTIVE], date(2026, 1, 1), date(2028, 1, 1))
    assert [(u.date, u.kind, u.item_id) for u in found] == [
        (date(2027, 3, 10), "forecast", "proc:2022/0051(COD)"),
        (date(2027, 7, 26), "deadline", "celex:32024L1760"),
    ]
    assert found[1].title.startswith("Transposition deadline: 32024L1760 Directive (EU) 2024/1760")
    # Without the act in the store, the dossier's announcement is listed, as a deadline.
    [_, alone] = upcoming_dates([CSDDD], date(2026, 1, 1), date(2028, 1, 1))
    assert (alone.kind, alone.item_id) == ("deadline", "proc:2022/0051(COD)")


def test_deadlines_concern_the_member_states_not_the_parliament():
    deadline, plenary = sorted(CSDDD.events, key=lambda e: e.title)
    assert event_actor(deadline) == MEMBER_STATES
    assert event_actor(plenary) == "European Parliament"  # an EP step stays the EP's
    applies = Event("2027-12-14", "Regulation (EU) 2024/3015 applies", actor="European Parliament", forecast=True)
    assert event_actor(applies) == ""


def test_cellars_generic_deadlines_are_shown():
    doc = Document(
        id="celex:32017R2403",
        title="Regulation (EU) 2017/2403 on fishing fleets",
        source="cellar",
        celex="32017R2403",
        dates={"deadline": "2027-04-17", "deadline_2": "2028-01-17", "application": "2028-01-17"},
    )
    found = upcoming_dates([doc], date(2026, 1, 1), date(2029, 1, 1))
    assert [(u.date, u.title.split(":")[0]) for u in found] == [
        (date(2027, 4, 17), "Deadline"),
        (date(2028, 1, 17), "Date of application"),  # the generic deadline of that date is this one
    ]
