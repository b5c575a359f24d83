"""A stored item that is no valid item any more (a hand-edited store, an older one) is skipped
with a warning naming it; the rest of the site is built."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from site_corpus import fill_store
from site_helpers import default_settings, options

from policytrack.resources import site_dir
from policytrack.store import Store
from policytrack.website import build_site

BAD = "celex:32024L1799"


def edit(store: Path, item_id: str, **fields) -> None:
    with sqlite3.connect(store) as conn:
        (data,) = conn.execute("SELECT data FROM items WHERE id = ?", (item_id,)).fetchone()
        conn.execute("UPDATE items SET data = ? WHERE id = ?", (json.dumps({**json.loads(data), **fields}), item_id))


@pytest.mark.parametrize(
    "fields, why",
    [
        ({"url": "not a url"}, "field 'url' must be an http(s) URL"),
        ({"date": "31/12/2024"}, "field 'date' must be an ISO date"),
        ({"title": 42}, "field 'title' must be text"),
    ],
)
def test_an_invalid_stored_item_is_skipped_and_named(tmp_path: Path, fields, why):
    store = fill_store(tmp_path / "store.sqlite3")
    Store(store, topics=default_settings(tmp_path).topics).close()  # tagged as a crawl would
    edit(store, BAD, **fields)
    out = tmp_path / "public"
    result = build_site(options(out, store, site_dir() / "content"))
    assert result.ok, result.errors
    [skipped] = [w for w in result.warnings if w.startswith("store:")]
    assert skipped.startswith(f"store: skipped {BAD}: invalid document: ") and why in skipped
    assert not (out / "documents" / "celex-32024l1799").exists()
    assert (out / "documents" / "celex-32024l1760" / "index.html").is_file()  # the rest is built
    assert (out / "dossiers" / "2023-0083-cod" / "index.html").is_file()  # its dossier too
    # The note that cites it says so, instead of calling it unknown.
    assert any("CELEX 32024L1799 was skipped (its stored data is invalid)" in w for w in result.warnings)


def test_an_empty_topic_speaks_to_readers(tmp_path: Path):
    out = tmp_path / "public"
    assert build_site(options(out, None, site_dir() / "content")).ok  # no store: every topic empty
    html = (out / "topics" / "due-diligence" / "index.html").read_text("utf-8")
    assert "No dossier on this topic is followed yet." in html
    assert "in the store" not in html


def test_a_deadline_announced_by_a_dossier_and_its_act_is_one_date_of_the_member_states(tmp_path: Path):
    """OEIL files its transposition forecast under the Parliament; the act gives the same date."""
    from site_corpus import procedures

    from policytrack.model import Event

    [csddd] = [p for p in procedures() if p.reference == "2022/0051(COD)"]
    announced = Event(
        "2027-07-26",
        "Deadline for transposition by the Member States (Directive (EU) 2024/1760)",
        actor="European Parliament",
        forecast=True,
    )
    store = fill_store(tmp_path / "store.sqlite3", extra=[csddd.replace(events=(*csddd.events, announced))])
    out = tmp_path / "public"
    assert build_site(options(out, store, site_dir() / "content")).ok
    home = (out / "index.html").read_text("utf-8")
    upcoming = home.split('id="upcoming"')[1].split("</ul>")[0]
    assert upcoming.count('datetime="2027-07-26"') == 1
    assert "Transposition deadline: 32024L1760" in upcoming
    dossier = (out / "dossiers" / "2022-0051-cod" / "index.html").read_text("utf-8")
    [row] = [li.split("</li>")[0] for li in dossier.split('<li class="event') if "Deadline for transposition" in li]
    assert '<span class="actor">Member States</span>' in row and "European Parliament" not in row
    assert "deadline</span>" in row
