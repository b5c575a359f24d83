"""A rebuild from the kept items and the store rows written since gives the site a full build gives."""

from __future__ import annotations

import filecmp
import os
import pickle
from datetime import date, timedelta
from pathlib import Path

from site_corpus import NOW, fill_store
from site_helpers import options

from policytrack.model import Document, Event, Procedure
from policytrack.store import Store
from policytrack.website import build_site
from policytrack.website.incremental import MANIFEST_NAME
from policytrack.website.published import cache_path, read_published

CSDDD, ESPR = "proc:2022/0051(COD)", "proc:2022/0095(COD)"


def tree(folder: Path) -> dict[str, Path]:
    return {p.relative_to(folder).as_posix(): p for p in folder.rglob("*") if p.is_file() and p.name != MANIFEST_NAME}


def assert_same_site(rebuilt: Path, fresh: Path) -> None:
    ours, theirs = tree(rebuilt), tree(fresh)
    assert sorted(ours) == sorted(theirs)
    different = [rel for rel in ours if not filecmp.cmp(ours[rel], theirs[rel], shallow=False)]
    assert different == []


def rebuild_and_compare(tmp_path: Path, store: Path, content: Path, now=NOW) -> None:
    """The incremental rebuild of ``out`` against a full build from nothing, without the cache."""
    build_site(options(tmp_path / "out", store, content, now=now))
    fresh = tmp_path / f"fresh-{len(list(tmp_path.glob('fresh-*')))}"
    build_site(options(fresh, store, content, now=now, force=True))
    assert_same_site(tmp_path / "out", fresh)


def edit(store_path: Path, when, *items) -> None:
    with Store(store_path) as store:
        store.upsert(list(items), when)


def test_rebuilds_after_every_kind_of_change_equal_a_full_build(tmp_path, content):
    store = fill_store(tmp_path / "store.sqlite3")
    out = tmp_path / "out"
    first = build_site(options(out, store, content))
    assert first.ok and cache_path(store).is_file()
    with Store(store, readonly=True) as s:
        csddd, espr = s.get(CSDDD), s.get(ESPR)
        act = s.get("celex:32024L1760")
    assert isinstance(csddd, Procedure) and isinstance(espr, Procedure) and isinstance(act, Document)
    soon = NOW - timedelta(hours=3)

    # a new event (lists of dossiers stay as they were), then a new stage (they change)
    vote = Event(date(2027, 2, 1), "Plenary vote on the omnibus", "European Parliament", forecast=True)
    lists = [out / "topics/due-diligence/index.html", out / "dossiers/index.html"]
    before = [p.stat().st_mtime_ns for p in lists]
    edit(store, soon, csddd.replace(events=(*csddd.events, vote)))
    result = build_site(options(out, store, content))
    assert (
        result.written > 0 and "Plenary vote on the omnibus" in (out / "dossiers/2022-0051-cod/index.html").read_text()
    )
    assert [p.stat().st_mtime_ns for p in lists] == before  # they show no events
    rebuild_and_compare(tmp_path, store, content)
    edit(store, soon, espr.replace(title="Ecodesign for Sustainable Products Regulation (recast)"))
    rebuild_and_compare(tmp_path, store, content)
    assert "Regulation (recast)" in (out / "topics/circular-electronics/index.html").read_text("utf-8")

    # an edited act, a new document on a dossier, a new untracked item, an act that leaves every topic
    edit(store, soon, act.replace(title=act.title + " (corrected)", dates={**act.dates, "review": date(2027, 6, 1)}))
    edit(
        store,
        soon,
        Document(
            id="celex:52025PC0081",
            title="Omnibus proposal amending the due diligence directive",
            source="eurlex",
            doc_type="proposal",
            celex="52025PC0081",
            procedure="2022/0051(COD)",
            date=date(2025, 2, 26),
        ),
        Document(id="ep:A-10-2026-0001", title="Report on fisheries quotas", source="ep-odp", doc_type="report"),
    )
    rebuild_and_compare(tmp_path, store, content)
    with Store(store, readonly=True) as s:
        repair_act = s.get("celex:32024L1799")
    assert isinstance(repair_act, Document)
    edit(store, soon, repair_act.replace(title="Directive on fishing gear", procedure=None, procedures=()))
    rebuild_and_compare(tmp_path, store, content)

    # a note edited, a note deleted, and the next day
    note = content / "research" / "un-guiding-principles.md"
    note.write_text(note.read_text("utf-8").replace("Thirty-one principles", "31 principles"), "utf-8")
    (content / "recommendations" / "procurement-ict.md").unlink()
    rebuild_and_compare(tmp_path, store, content)
    rebuild_and_compare(tmp_path, store, content, now=NOW + timedelta(days=1))


def test_a_rebuild_reads_only_the_rows_written_since(tmp_path, content):
    store = fill_store(tmp_path / "store.sqlite3")
    build_site(options(tmp_path / "out", store, content))
    with Store(store) as s:
        csddd = s.get(CSDDD)
        assert isinstance(csddd, Procedure)
        s.upsert([csddd.replace(title="Corporate sustainability due diligence (omnibus)")], NOW)
        published = read_published(s, options(tmp_path, store, None).topics, NOW - timedelta(days=30))
    assert published.delta == 1  # one row read on top of the cache
    assert published.procedures["2022/0051(COD)"].title == "Corporate sustainability due diligence (omnibus)"
    assert len(published.facts) == 8 and published.read == []  # no document read again


def test_a_broken_or_foreign_cache_means_a_full_read(tmp_path, content):
    store = fill_store(tmp_path / "store.sqlite3")
    out = tmp_path / "out"
    build_site(options(out, store, content))
    cache = cache_path(store)
    cache.write_bytes(b"not a pickle")
    build_site(options(out, store, content, force=True))
    fresh = tmp_path / "fresh"
    build_site(options(fresh, store, content, force=True))
    assert_same_site(out, fresh)
    # A cache made for another store (copied along with the store file) is not used.
    other = tmp_path / "other" / "store.sqlite3"
    fill_store(other)
    build_site(options(tmp_path / "o1", other, content))
    saved = pickle.loads(cache_path(other).read_bytes())
    saved["procedures"] = {}
    cache_path(other).write_bytes(pickle.dumps(saved))
    os.replace(cache_path(other), cache_path(store))
    with Store(store, readonly=True) as s:
        published = read_published(s, options(tmp_path, store, None).topics, NOW - timedelta(days=30))
    assert published.delta == -1 and len(published.procedures) == 5


def test_a_cache_that_cannot_be_written_only_costs_time(tmp_path, content):
    store = fill_store(tmp_path / "store.sqlite3")
    cache_path(store).mkdir()  # in the way: neither read nor replaced
    out = tmp_path / "out"
    assert build_site(options(out, store, content)).ok
    edit(store, NOW, Document(id="celex:52025PC0081", title="Omnibus", source="eurlex", doc_type="proposal"))
    rebuild_and_compare(tmp_path, store, content)
    assert cache_path(store).is_dir()
