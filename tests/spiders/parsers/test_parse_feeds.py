"""Feeds: EUR-Lex items in their real shape, the feeds of the shipped recording, broken feeds."""

from datetime import date

import pytest

from policytrack.model import Document
from spiders.errors import ParseError
from spiders.parsers import feeds, parse
from spiders.replay import SHIPPED_RECORDING

HANDMADE = SHIPPED_RECORDING / "handmade"
# Hand-made for this test, in the item shape a public client's fixture shows for EUR-Lex's
# display-feed.rss?rssId=162 ("CELEX:…:" title prefix, /./ link, CELLAR: guid, dc:creator).
EURLEX_ITEM = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0">
<channel xmlns:dc="http://purl.org/dc/elements/1.1/">
  <title>1 - All Parliament and Council legislation</title>
  <item>
    <title>CELEX:32026L1472: Directive (EU) 2026/1472 of the European Parliament and of the Council of 17 June 2026 amending Directive 2012/29/EU</title>
    <description/>
    <link>https://eur-lex.europa.eu/./legal-content/AUTO/?uri=CELEX:32026L1472</link>
    <guid>https://eur-lex.europa.eu/./legal-content/AUTO/?uri=CELLAR:86beade5-741e-11f1-9800-01aa75ed71a1</guid>
    <category>Lex Alerts</category>
    <pubDate>Tue, 30 Jun 2026 00:00:00 +0200</pubDate>
    <dc:creator>European Parliament, Council of the European Union,</dc:creator>
  </item>
</channel>
</rss>"""


def test_eurlex_items_in_their_real_shape():
    [entry] = feeds.entries(EURLEX_ITEM, "https://eur-lex.europa.eu/EN/display-feed.rss?rssId=162")
    assert entry.link == "https://eur-lex.europa.eu/legal-content/AUTO/?uri=CELEX:32026L1472"  # no "/./"
    assert entry.celex == "32026L1472" and entry.title.startswith("Directive (EU) 2026/1472 of")
    assert entry.guid.endswith("?uri=CELLAR:86beade5-741e-11f1-9800-01aa75ed71a1")
    assert entry.updated == date(2026, 6, 30)  # the publisher's day, not the UTC one (29 June, 22:00)
    [doc] = parse("feed", EURLEX_ITEM, "")
    assert isinstance(doc, Document) and doc.id == "celex:32026L1472" and doc.doc_type == "directive"
    assert not doc.title.startswith("CELEX:")


def test_the_shipped_eurlex_feed_lists_recorded_acts():
    items = parse("feed", (HANDMADE / "eurlex_feed_rssId-162.xml").read_bytes(), "https://eur-lex.europa.eu/feed")
    assert [i.id for i in items] == ["celex:32017R2403", "celex:32024R1781", "celex:32024L1760", "celex:32024L1799"]
    assert items[2].date == date(2024, 7, 5) and items[2].title.startswith("Directive (EU) 2024/1760")


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
