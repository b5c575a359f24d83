"""The crawl state kept between runs."""

from datetime import UTC, datetime

from spiders.state import CrawlState


def test_state_round_trip_and_forget(tmp_path):
    path = tmp_path / "crawl" / "eurlex.json"
    state = CrawlState(path)
    state.remember_validators("https://x/feed", '"abc"', "Tue, 14 Nov 2023 22:13:20 GMT")
    state.remember_content("https://x/page", b"<html>1</html>")
    state.mark_seen("https://x/page#Fri, 05 Jul 2024")
    state.succeeded("sparql:watched-acts:abc", datetime(2026, 9, 2, 14, 0, 5, 123, tzinfo=UTC))
    state.save()
    again = CrawlState(path)
    assert again.validators_for("https://x/feed") == {"etag": '"abc"', "last_modified": "Tue, 14 Nov 2023 22:13:20 GMT"}
    assert again.unchanged("https://x/page", b"<html>1</html>")
    assert not again.unchanged("https://x/page", b"<html>2</html>")
    assert again.seen("https://x/page#Fri, 05 Jul 2024")
    assert again.last_success("sparql:watched-acts:abc") == datetime(2026, 9, 2, 14, 0, 5, tzinfo=UTC)
    assert again.last_success("never-run") is None
    again.forget("https://x/feed")
    assert again.validators_for("https://x/feed") == {}


def test_damaged_state_means_a_full_refetch(tmp_path):
    path = tmp_path / "s.json"
    path.write_text("{not json")
    state = CrawlState(path)
    assert state.entries == set() and state.hashes == {} and state.watermarks == {}
    path.write_text('{"last_success": {"q": "yesterday"}}')
    assert CrawlState(path).last_success("q") is None  # a damaged stamp: the query is asked in full
