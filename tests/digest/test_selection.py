"""What goes into each subscriber's digest for a period."""

from __future__ import annotations

from datetime import timedelta

import pytest

from policytrack.digest.errors import DigestError
from policytrack.digest.selection import Selector
from policytrack.digest.subscribers import Subscriber
from policytrack.timeutil import Period

from .conftest import BASE_URL, NOW, notes

WEEK = Period(NOW - timedelta(days=7), NOW)


def sub(*topics: str, searches: tuple[str, ...] = (), queries: tuple[str, ...] = (), sub_id: int = 1) -> Subscriber:
    return Subscriber(sub_id, f"s{sub_id}@example.org", topics=tuple(topics), searches=searches, queries=queries)


@pytest.fixture
def selector(store, settings):
    return Selector(store, settings, now=NOW, notes=notes(NOW))


def ids(content):
    return [[e.item_id for e in d.entries] for d in content.dossiers]


def test_due_diligence_subscriber_gets_their_dossier_grouped(selector):
    content = selector.select(sub("due-diligence"), WEEK)
    assert [d.reference for d in content.dossiers] == ["2022/0051(COD)"]
    dossier = content.dossiers[0]
    assert dossier.title == "Corporate sustainability due diligence"
    assert dossier.url == BASE_URL + "dossiers/2022-0051-cod/"
    assert dossier.stage == "Awaiting Parliament's position in 2nd reading"
    # The procedure's own changes first, then its documents; the 10-day-old report is outside the week.
    assert ids(content) == [["proc:2022/0051(COD)", "press:20250307IPR1"]]
    stage = dossier.entries[0].changes[0]
    assert stage.kind == "stage" and stage.detail["from"] == "Awaiting Council's 1st reading position"
    assert dossier.entries[1].changes[0].kind == "new"
    assert dossier.entries[1].url == BASE_URL + "documents/press-20250307ipr1/"
    assert [n.title for n in content.notes] == ["What the omnibus means for due diligence", "Coalition annual plan"]
    assert content.notes[0].url == BASE_URL + "notes/omnibus-briefing/"
    assert [(u.date, u.title) for u in content.upcoming] == [
        (NOW.date() + timedelta(days=14), "2022/0051(COD): Plenary vote on the corrigendum")
    ]
    assert content.count == 4 and not content.empty


def test_circular_subscriber_gets_events_changes_and_deadlines(selector):
    content = selector.select(sub("circular-electronics"), WEEK)
    assert [d.reference for d in content.dossiers] == ["2023/0083(COD)", None]
    assert ids(content) == [["proc:2023/0083(COD)"], ["celex:32012L0019"]]
    event = content.dossiers[0].entries[0].changes[0]
    assert (event.kind, event.detail["title"]) == ("event", "Act published in OJ")
    assert content.dossiers[1].entries[0].changes[0].detail["fields"] == ["summary"]
    assert [u.kind for u in content.upcoming] == ["deadline"]
    assert "WEEE" in content.upcoming[0].title
    # the recommendation is 20 days old: not new in this period
    assert [n.title for n in content.notes] == ["Coalition annual plan"]


def test_topics_combine_and_nothing_followed_leaves_only_general_notes(selector):
    both = selector.select(sub("due-diligence", "circular-electronics"), WEEK)
    assert [d.reference for d in both.dossiers] == ["2022/0051(COD)", "2023/0083(COD)", None]
    nothing = selector.select(sub(), WEEK)
    assert nothing.dossiers == () and [n.title for n in nothing.notes] == ["Coalition annual plan"]


def test_longer_period_includes_older_changes(selector):
    content = selector.select(sub("due-diligence"), Period(NOW - timedelta(days=14), NOW))
    assert "ep:A-9-2023-0184" in ids(content)[0]


def test_a_quiet_period_is_empty(store, settings):
    quiet = Period(NOW - timedelta(days=1), NOW)
    content = Selector(store, settings, now=NOW, notes=[]).select(sub("due-diligence"), quiet)
    assert content.empty and content.dossiers == () and content.notes == ()
    assert content.upcoming  # upcoming dates alone do not make a digest worth sending


def test_subscribers_following_the_same_things_share_one_selection(selector):
    a, b = selector.select(sub("due-diligence", sub_id=1), WEEK), selector.select(sub("due-diligence", sub_id=2), WEEK)
    assert a is b


def test_saved_search_without_an_index_is_an_error_not_a_silent_gap(selector):
    with pytest.raises(DigestError, match="search index"):
        selector.select(sub(searches=("csddd-downstream",)), WEEK)


def test_a_busy_dossier_shows_the_newest_documents_and_counts_the_rest(store, settings):
    from policytrack.digest.selection import MAX_DOCUMENTS_PER_DOSSIER
    from policytrack.model import Document

    extra = MAX_DOCUMENTS_PER_DOSSIER + 3
    store.upsert(
        [
            Document(
                id=f"ep:amendment-{i:02d}",
                title=f"Amendment {i}",
                source="ep-odp",
                doc_type="amendments",
                procedure="2022/0051(COD)",
                date=NOW.date() - timedelta(days=30 - i),
                topics=("due-diligence",),
            )
            for i in range(extra)
        ],
        NOW - timedelta(days=1),
    )
    content = Selector(store, settings, now=NOW, notes=[]).select(sub("due-diligence"), WEEK)
    dossier = content.dossiers[0]
    docs = [e for e in dossier.entries if e.kind == "document"]
    assert len(docs) == MAX_DOCUMENTS_PER_DOSSIER and dossier.more == extra + 1 - MAX_DOCUMENTS_PER_DOSSIER
    assert docs[0].item_id == "press:20250307IPR1"  # newest first
    assert content.count == 1 + extra + 1  # the procedure, the amendments, the press release
