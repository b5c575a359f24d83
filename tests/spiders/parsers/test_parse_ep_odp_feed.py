"""The EP Open Data API's indexes: Atom feed answers (a real plenary-documents/feed answer) and
the JSON-LD list of meetings."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from spiders.errors import ParseError
from spiders.parsers.ep_odp_feed import parse_atom, parse_meeting_list
from spiders.replay import SHIPPED_RECORDING

FEED = "https://data.europarl.europa.eu/api/v2/plenary-documents/feed"


def real_feed(real_fixtures) -> bytes:
    return (real_fixtures / "ep-odp" / "plenary-documents-feed_2026-09-02_first-8-entries.atom").read_bytes()


def test_real_feed_entries(real_fixtures):
    entries = parse_atom(real_feed(real_fixtures), FEED)
    assert len(entries) == 8
    first = entries[0]
    assert first.identifier == "A-10-2026-0204" and first.record == "plenary-documents/A-10-2026-0204"
    assert first.updated == datetime(2026, 9, 2, 16, 24, 4, 157000, tzinfo=UTC)  # milliseconds kept
    assert first.work_type == "REPORT_PLENARY" and first.title.startswith("RECOMMENDATION on the draft Council")
    assert [e.work_type for e in entries].count("RESOLUTION_MOTION") == 2
    assert entries[4].identifier == "A-10-2025-0226-AM-001-002" and entries[4].work_type == "AMENDMENT_LIST"
    # Old records are listed too, when they were updated in the window.
    assert entries[6].identifier == "A-6-2008-0049" and entries[6].updated.date().isoformat() == "2026-08-05"


def test_an_entry_is_new_again_when_its_updated_time_changes(real_fixtures):
    body = real_feed(real_fixtures)
    before = parse_atom(body, FEED)[0]
    after = parse_atom(body.replace(b"2026-09-02T16:24:04.157Z", b"2026-09-03T08:00:00.000Z"), FEED)[0]
    assert before.record == after.record and before.key != after.key


def test_links_outside_the_api_are_not_followed(real_fixtures):
    body = real_feed(real_fixtures).replace(
        b"https://data.europarl.europa.eu/api/v2/plenary-documents/A-10-2026-0204",
        b"https://evil.example.org/api/v2/plenary-documents/A-10-2026-0204",
    )
    assert "A-10-2026-0204" not in [e.identifier for e in parse_atom(body, FEED)]
    no_time = real_feed(real_fixtures).replace(b"<updated>2026-09-02T16:24:04.157Z</updated>", b"")
    assert len(parse_atom(no_time, FEED)) == 7  # an entry without "updated" cannot be judged


def test_the_shipped_feeds_have_the_real_shape(real_fixtures):
    procedures = parse_atom((SHIPPED_RECORDING / "handmade" / "ep-odp_procedures-feed.atom").read_bytes())
    assert [e.record for e in procedures] == ["procedures/2025-0260", "procedures/2024-2006"]
    [doc] = parse_atom((SHIPPED_RECORDING / "handmade" / "ep-odp_plenary-documents-feed.atom").read_bytes())
    assert (doc.record, doc.work_type) == ("plenary-documents/A-9-2024-0163", "REPORT_PLENARY")


@pytest.mark.parametrize(
    "body, reason",
    [
        (b"", "empty response"),
        (b'{"data": []}', "not well-formed XML"),
        (b'<rss version="2.0"><channel/></rss>', "not an Atom feed"),
    ],
)
def test_bad_feeds_are_parse_errors(body, reason):
    with pytest.raises(ParseError, match=reason):
        parse_atom(body, FEED)


def test_meeting_list_names_the_sittings():
    body = (SHIPPED_RECORDING / "handmade" / "ep-odp_meetings-list.json").read_bytes()
    assert parse_meeting_list(body) == (["MTG-PL-2024-07-16"], 1)
    # Hand-made variant: a session record (not a sitting) and a non-record are left out, but counted.
    data = json.loads(body)
    data["data"] += [{"id": "eli/dl/event/MTG-PL-2024-07", "activity_id": "MTG-PL-2024-07"}, "junk"]
    assert parse_meeting_list(json.dumps(data).encode()) == (["MTG-PL-2024-07-16"], 3)
    with pytest.raises(ParseError, match="not a JSON-LD list"):
        parse_meeting_list(b'{"items": []}', "https://data.europarl.europa.eu/api/v2/meetings")
