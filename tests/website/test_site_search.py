"""The static search index in parts: which pages, which part, and what a rebuild indexes again."""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path

from site_corpus import NOW, fill_store
from site_helpers import options

from policytrack.model import Procedure
from policytrack.store import Store
from policytrack.website import build_site
from policytrack.website.incremental import Manifest
from policytrack.website.search import part_name, split


def test_every_page_is_in_one_part_and_parts_are_alike():
    pages = {f"documents/d-{i}/index.html": str(i) for i in range(9_500)}
    parts = split(pages, 1_000)
    assert len(parts) == 10
    assert sorted(rel for part in parts for rel in part) == sorted(pages)
    assert all(800 < len(part) < 1_100 for part in parts), [len(p) for p in parts]
    # With as many parts, a page's part depends on its path only: a new page moves no other.
    more = split({**pages, "documents/new/index.html": "x"}, 1_000)
    assert [{k: v for k, v in part.items() if k != "documents/new/index.html"} for part in more] == parts


def bundles(out: Path) -> dict[str, float]:
    return {p.parent.name: p.stat().st_mtime_ns for p in out.glob("pagefind*/pagefind-entry.json")}


def test_searchable_pages_are_indexed_in_parts_and_only_changed_parts_again(tmp_path, content):
    store = fill_store(tmp_path / "store.sqlite3")
    out = tmp_path / "out"
    first = build_site(options(out, store, content, search=True, search_part_pages=4))
    assert first.ok, first.errors
    manifest = Manifest.load(out)
    # Dossier, document and note pages, the ones that mark their body for Pagefind; not the lists.
    assert manifest.searchable and all(
        f.startswith(("dossiers/2", "documents/", "notes/")) for f in manifest.searchable
    )
    assert "notes/index.html" not in manifest.searchable and "index.html" not in manifest.searchable
    count = -(-len(manifest.searchable) // 4)
    names = [part_name(n) for n in range(count)]
    assert sorted(bundles(out)) == sorted(names) and sorted(manifest.search_parts) == sorted(names)
    assert first.search.startswith(f"{len(manifest.searchable)} pages indexed in {count} part(s)"), first.search
    merged = json.loads((out / "pagefind" / "parts.json").read_text("utf-8"))["merge"]
    assert merged == [f"{name}/" for name in names[1:]]
    if os.name == "posix":
        assert set(first.search_peak_mb) == set(names) and all(mb > 1 for mb in first.search_peak_mb.values())

    before = bundles(out)
    with Store(store) as s:
        proc = s.get("proc:2011/0438(COD)")
        assert isinstance(proc, Procedure)
        s.upsert([proc.replace(title="Public procurement (recast)")], NOW - timedelta(hours=1))
    second = build_site(options(out, store, content, search=True, search_part_pages=4))
    assert second.ok, second.errors
    again = set(second.search_peak_mb)
    after = bundles(out)
    assert again and again < set(names)  # the parts holding the changed pages, not all
    assert {name for name in names if after[name] != before[name]} == again
    # Nothing changed: nothing indexed.
    third = build_site(options(out, store, content, search=True, search_part_pages=4, force=True))
    assert third.search_peak_mb == {} and bundles(out) == after
    assert third.search == f"up to date; {count} part(s) unchanged"


def test_fewer_parts_leave_no_stale_bundle(tmp_path, demo_store, content):
    out = tmp_path / "out"
    build_site(options(out, demo_store, content, search=True, search_part_pages=3))
    assert (out / "pagefind-3").is_dir()
    build_site(options(out, demo_store, content, search=True, force=True))
    assert sorted(bundles(out)) == ["pagefind"]
    assert json.loads((out / "pagefind" / "parts.json").read_text("utf-8")) == {"merge": []}
