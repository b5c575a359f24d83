"""Steps, duplicates across sources, and the one rule for stage and status."""

from __future__ import annotations

from datetime import date

import pytest

from policytrack.model import Event
from policytrack.timeline import Stated, stage_and_status, step_key, step_of


@pytest.mark.parametrize(
    "title, step",
    [
        # The same steps as OEIL, Cellar/EUR-Lex and the EP Open Data API word them.
        ("Final act published in Official Journal", "publication"),
        ("Publication in the Official Journal", "publication"),
        ("Final act signed", "signature"),
        ("Signature by the President of the EP and by the President of the Council", "signature"),
        ("Legislative proposal published", "proposal"),
        ("Adoption by Commission", "proposal"),
        ("Decision by Parliament, 1st reading", "parliament-position"),
        ("EP opinion on 1st reading", "parliament-position"),
        ("Plenary adopt position", "parliament-position"),
        ("Act adopted by Council after Parliament's 1st reading", "council-adoption"),
        ("Approval by the Council of the EP position at 1st reading", "council-adoption"),
        ("Committee referral announced in Parliament, 1st reading", "referral"),
        ("Referral", "referral"),
        ("Vote in committee, 1st reading", "committee-vote"),
        ("Committee adopting report", "committee-vote"),
        ("Proposal withdrawn by Commission", "withdrawal"),
        # Wordings whose meaning is not certain stay themselves.
        ("Results of vote in Parliament", None),
        ("Plenary vote", None),
        ("Discussions within the Council or its preparatory bodies", None),
    ],
)
def test_step_of(title, step):
    assert step_of(title) == step


def test_same_step_key_across_wordings_and_own_words_otherwise():
    oeil = Event(date(2024, 7, 5), "Final act published in Official Journal")
    cellar = Event(date(2024, 7, 5), "Publication in the Official Journal")
    assert step_key(oeil) == step_key(cellar)
    assert step_key(oeil) != step_key(Event(date(2024, 7, 4), "Publication in the Official Journal"))
    assert step_key(Event(date(2024, 1, 1), "Plenary  vote")) == step_key(Event(date(2024, 1, 1), "plenary vote"))


def ev(day: str, title: str, forecast: bool = False) -> Event:
    return Event(date.fromisoformat(day), title, forecast=forecast)


def test_a_terminal_step_decides_stage_and_status():
    events = [ev("2022-02-23", "Legislative proposal published"), ev("2024-06-13", "Final act signed")]
    assert stage_and_status(events, None) == (
        "Procedure completed, awaiting publication in Official Journal",
        "completed",
    )
    events.append(ev("2024-07-05", "Publication in the Official Journal"))
    # A source that says otherwise is out of date: the timeline wins.
    stale = Stated("oeil", tuple(events[:1]), "Awaiting committee decision", "ongoing")
    assert stage_and_status(events, None, [stale]) == ("Procedure completed", "completed")
    assert stage_and_status([ev("2023-01-01", "Proposal withdrawn by Commission")], None) == (
        "Procedure lapsed or withdrawn",
        "withdrawn",
    )


def test_a_known_act_completes_the_procedure():
    assert stage_and_status([ev("2022-02-23", "Legislative proposal published")], "32024L1760")[1] == "completed"


def test_an_up_to_date_source_gives_its_own_stage_words():
    events = [ev("2022-02-23", "Legislative proposal published"), ev("2023-06-01", "Vote in committee, 1st reading")]
    oeil = Stated("oeil", tuple(events), "Awaiting Parliament's position in 1st reading", "ongoing")
    behind = Stated("ep-odp", tuple(events[:1]), "Awaiting committee decision", "ongoing")
    # The first source that has seen the latest step is believed, whatever the order.
    assert stage_and_status(events, None, [behind, oeil]) == (
        "Awaiting Parliament's position in 1st reading",
        "ongoing",
    )
    # Nobody is up to date: the latest step's words.
    assert stage_and_status(events, None, [behind]) == ("Vote in committee, 1st reading", "ongoing")
    # Forecasts are not steps taken.
    later = [*events, ev("2027-01-01", "Indicative plenary sitting date", forecast=True)]
    assert stage_and_status(later, None, [oeil])[0] == "Awaiting Parliament's position in 1st reading"
    assert stage_and_status([], None, [oeil]) == ("Awaiting Parliament's position in 1st reading", "ongoing")
    assert stage_and_status([], None, []) == ("", "ongoing")
