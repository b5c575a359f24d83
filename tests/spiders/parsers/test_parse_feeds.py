"""Feeds: the hand-made feeds of the shipped recording, and broken feeds."""

from datetime import date

import pytest

from policytrack.model import Document, Procedure
from spiders.errors import ParseError
from spiders.parsers import feeds, parse
from spiders.replay import SHIPPED_RECORDING

HANDMADE = SHIPPED_RECORDING / "handmade"


def test_eurlex_saved_search_feed_lists_the_watched_acts():
    items = parse(
        "feed", (HANDMADE / "eurlex_feed_saved-search_watched-acts.xml").read_bytes(), "https://eur-lex.europa.eu/feed"
    )
    assert len(items) == 10 and all(isinstance(i, Document) for i in items)
    assert items[0].id == "celex:32024L1760" and items[0].date == date(2024, 6, 13)
    assert {i.celex for i in items} >= {"32014L0024", "32023R1542", "52022PC0071"}


def test_oeil_feed_entries_are_procedures_and_summaries():
    items = parse("feed", (HANDMADE / "oeil_feed_procedures.xml").read_bytes(), "")
    procs = [i for i in items if isinstance(i, Procedure)]
    assert [p.reference for p in procs][:2] == ["2022/0051(COD)", "2022/0269(COD)"]
    assert len(procs) == 6 and len(items) == 8


def test_entry_keys_change_with_the_update_stamp():
    body = (HANDMADE / "ep_feed_press-releases.xml").read_bytes()
    [first, _second] = feeds.entries(body, "")
    assert first.link.endswith(
        "/20241212IPR25960/ep-paves-way-for-the-use-of-eu-funds-to-finance-natural-disaster-recovery"
    )
    changed = feeds.entries(body.replace(b"Tue, 17 Dec 2024", b"Wed, 18 Dec 2024"), "")[0]
    assert changed.link == first.link and changed.key != first.key


@pytest.mark.parametrize(
    "body, reason",
    [
        (b"", "empty response"),
        (b"<html><body>Not a feed</body></html>", "no RSS or Atom document"),
        (b'<?xml version="1.0"?><rss version="2.0"><channel><title>x</title><item><title>a</title>', "malformed feed"),
    ],
)
def test_broken_feeds_are_parse_errors(body, reason):
    with pytest.raises(ParseError, match=reason):
        parse("feed", body, "https://example.org/feed.xml")
