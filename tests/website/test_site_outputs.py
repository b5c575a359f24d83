"""Feeds, calendar, sitemap and exports: checked with real parsers, not string matching alone."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date
from pathlib import Path
from xml.etree import ElementTree

import feedparser
import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from site_corpus import fill_store
from site_helpers import options

from policytrack.model import Event, Procedure
from policytrack.website import build_site, outputs
from policytrack.website.outputs import SITEMAP_LIMIT, ics_escape, ics_fold, sitemaps
from policytrack.website.pages import Page


def _containers(children):
    return st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4)


def test_site_feed_is_valid_atom_with_notes_and_changes(demo_site: Path):
    feed = feedparser.parse((demo_site / "feed.xml").read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.feed.title == "Fair Electronics Policy Tracker"
    links = [e.link for e in feed.entries]
    assert "http://127.0.0.1:8000/notes/csddd-transposition-asks/" in links
    assert any(link.startswith("http://127.0.0.1:8000/dossiers/2022-0051-cod/#change-") for link in links)
    dates = [e.updated_parsed for e in feed.entries]
    assert dates == sorted(dates, reverse=True)


def test_topic_feed_only_holds_its_topic(demo_site: Path):
    feed = feedparser.parse((demo_site / "topics/public-procurement/feed.xml").read_bytes())
    assert not feed.bozo
    links = [e.link for e in feed.entries]
    assert "http://127.0.0.1:8000/notes/procurement-ict/" in links
    assert not any("csddd" in link or "2022-0051" in link for link in links)


def test_calendar_is_rfc5545(demo_site: Path):
    raw = (demo_site / "calendar.ics").read_bytes()
    assert raw.startswith(b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")
    assert raw.endswith(b"END:VCALENDAR\r\n")
    assert b"\n" not in raw.replace(b"\r\n", b"")  # CRLF only
    for line in raw.split(b"\r\n"):
        assert len(line) <= 75
    unfolded = raw.decode("utf-8").replace("\r\n ", "")
    assert "DTSTART;VALUE=DATE:20270726\r\n" in unfolded
    assert (
        "SUMMARY:Transposition deadline: 32024L1760 Directive (EU) 2024/1760 on corporate sustainability due diligence and amending"
        in unfolded
    )
    assert unfolded.count("BEGIN:VEVENT") == unfolded.count("END:VEVENT") == 1
    assert re.search(r"UID:[0-9a-f]{40}@127\.0\.0\.1\r\n", unfolded)
    assert "DTSTAMP:20261123T090000Z\r\n" in unfolded


def test_ics_escaping_and_folding():
    assert ics_escape("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"
    line = "SUMMARY:" + "é" * 100  # two octets each: a fold must not split one
    folded = ics_fold(line)
    parts = folded.split("\r\n ")
    assert all(len(p.encode()) <= (75 if i == 0 else 74) for i, p in enumerate(parts))
    assert "".join(parts) == line
    assert ics_fold("short") == "short"


def test_calendar_escapes_text_from_the_store(tmp_path: Path):
    proc = Procedure(
        id="proc:2024/0997(COD)",
        reference="2024/0997(COD)",
        title="T",
        source="oeil",
        eurovoc=("human rights",),  # tracked: in a topic
        events=(Event(date=date(2027, 1, 5), title="Vote; plenary, Strasbourg\\Brussels", forecast=True),),
    )
    out = tmp_path / "out"
    build_site(options(out, fill_store(tmp_path / "s.sqlite3", extra=[proc]), None))
    unfolded = (out / "calendar.ics").read_bytes().decode("utf-8").replace("\r\n ", "")
    assert "SUMMARY:2024/0997(COD): Vote\\; plenary\\, Strasbourg\\\\Brussels\r\n" in unfolded
    assert "CATEGORIES:forecast" in unfolded


def test_sitemap_lists_pages_with_absolute_urls(demo_site: Path):
    root = ElementTree.fromstring((demo_site / "sitemap.xml").read_bytes())
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locs = [e.text for e in root.findall("s:url/s:loc", ns)]
    assert "http://127.0.0.1:8000/" in locs
    assert "http://127.0.0.1:8000/dossiers/2022-0051-cod/" in locs
    assert "http://127.0.0.1:8000/search/" not in locs
    assert len(locs) == len(set(locs))


def test_sitemap_splits_past_fifty_thousand_urls(demo_site):
    class M:
        base_url = "https://x.example/"

    pages = [Page(f"documents/d-{i}/", "document.html", dict, ()) for i in range(SITEMAP_LIMIT + 5)]
    files = sitemaps(M(), pages)  # type: ignore[arg-type]
    assert set(files) == {"sitemap.xml", "sitemap-1.xml", "sitemap-2.xml"}
    assert b"<sitemapindex" in files["sitemap.xml"]
    assert files["sitemap-2.xml"].count(b"<url>") == 5


def test_exports_hold_every_dossier(demo_site: Path):
    data = json.loads((demo_site / "dossiers.json").read_text("utf-8"))
    assert data["count"] == 5
    csddd = next(d for d in data["dossiers"] if d["reference"] == "2022/0051(COD)")
    assert csddd["final_act"] == "32024L1760" and csddd["status"] == "completed"
    assert csddd["page"] == "http://127.0.0.1:8000/dossiers/2022-0051-cod/"
    assert "csddd-transposition" in csddd["notes"] and "due-diligence" in csddd["topics"]
    rows = list(csv.DictReader(io.StringIO((demo_site / "dossiers.csv").read_text("utf-8-sig"))))
    assert [r["reference"] for r in rows] == [d["reference"] for d in data["dossiers"]]
    assert rows[0]["last_event_date"] and rows[0]["documents"]


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(), _containers, max_leaves=20))
@hsettings(max_examples=300)
def test_the_json_export_is_written_as_pythons_json_writes_it(data):
    # dossiers.json is written with msgspec for speed: byte for byte what json.dumps writes.
    assert outputs._json_export(data) == json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")


@pytest.mark.parametrize(
    "name", ["index.html", "dossiers/2022-0051-cod/index.html", "notes/procurement-ict/index.html"]
)
def test_pages_are_well_formed_and_accessible(demo_site: Path, name: str):
    html = (demo_site / name).read_text("utf-8")
    assert html.startswith('<!doctype html>\n<html lang="en">')
    assert html.count("<h1") == 1
    assert '<a class="skip-link" href="#main">' in html and '<main id="main"' in html
    assert 'role="banner"' in html and 'role="contentinfo"' in html and "<nav" in html
    assert "http://" not in re.sub(r'href="https?://[^"]*"', "", html).replace("http://127.0.0.1:8000/", "")
    for src in re.findall(r'(?:src|href)="([^"]+\.(?:css|js))"', html):
        assert not src.startswith(("http:", "https:", "//")), src  # no CDN
