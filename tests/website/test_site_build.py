"""Building the site: pages at the shared URL scheme, warnings, incremental rebuilds, safety."""

from __future__ import annotations

import json
import os
import textwrap
from datetime import date, timedelta
from pathlib import Path

import pytest
from site_corpus import NOW, fill_store
from site_helpers import options

from policytrack import urls
from policytrack.model import Document, Event, Procedure
from policytrack.resources import site_dir
from policytrack.store import Store
from policytrack.website import SiteError, build_site

CONTENT = site_dir() / "content"


def _note(folder: Path, name: str, front: str, body: str = "Body.") -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"---\n{textwrap.dedent(front).strip()}\n---\n{body}\n", "utf-8")
    return path


def test_every_page_lives_at_the_shared_url_scheme(demo_site: Path, demo_store: Path):
    with Store(demo_store, readonly=True) as store:
        procs = list(store.items("procedure"))
        docs = list(store.items("document"))
    for proc in procs:
        assert (demo_site / urls.dossier_path(proc.reference) / "index.html").is_file()
        assert (demo_site / urls.item_path(proc.id) / "index.html").is_file()
    for doc in docs:
        assert (demo_site / urls.document_path(doc.id) / "index.html").is_file()
    for slug in ("csddd-transposition", "procurement-ict", "oecd-minerals-guidance"):
        assert (demo_site / urls.note_path(slug) / "index.html").is_file()
    for slug in ("due-diligence", "circular-electronics", "public-procurement"):
        assert (demo_site / urls.topic_path(slug) / "index.html").is_file()
        assert (demo_site / urls.topic_path(slug) / "feed.xml").is_file()
    for name in (
        "index.html",
        "404.html",
        "search/index.html",
        "recommendations/index.html",
        "notes/index.html",
        "dossiers/index.html",
        "topics/index.html",
        "feed.xml",
        "calendar.ics",
        "sitemap.xml",
        "dossiers.json",
        "dossiers.csv",
        "static/site.css",
        "pagefind/pagefind-ui.js",
    ):
        assert (demo_site / name).is_file(), name


def test_dossier_page_links_documents_notes_and_sources(demo_site: Path):
    html = (demo_site / "dossiers/2022-0051-cod/index.html").read_text("utf-8")
    assert 'href="../../documents/celex-32024l1760/"' in html
    assert 'href="https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX:52022PC0071"' in html
    assert 'href="../../notes/csddd-transposition/"' in html
    assert 'href="../../notes/csddd-transposition-asks/"' in html
    assert "completed" in html
    # Key players by role, with their political group; every source of the dossier is named.
    assert (
        '<dt>Rapporteurs<span class="visually-hidden">:</span></dt> <dd><ul class="inline"><li><span class="player-name">WOLTERS Lara</span> <span class="badge">S&amp;D</span>'
        in html
    )
    assert (
        '<dt>Sources<span class="visually-hidden">:</span></dt> <dd>EUR-Lex, Legislative Observatory (OEIL)</dd>'
        in html
    )
    # Not about this dossier: never listed.
    assert "procurement-ict" not in html


def test_home_shows_latest_notes_changes_and_upcoming(demo_site: Path):
    html = (demo_site / "index.html").read_text("utf-8")
    assert html.index("CSDDD transposition: five asks") < html.index("Buying fair ICT")
    assert "Stage: Procedure completed" in html
    assert "New event: Final act published in Official Journal" in html
    # The legislative date of what happened, and when it was noticed.
    assert '<time datetime="2024-07-05">5 Jul 2024</time> New event: Final act published in Official Journal' in html
    assert '(noticed <time datetime="2026-11-21T09:00:00+00:00">21 Nov 2026</time>)' in html
    # Acts of 2014-2024 the first crawl met are not news; nor is the act noticed with its publication.
    assert "other new or updated" not in html and "Directive 2014/24/EU" not in html
    assert "Tracking 5 dossiers and 8 documents" in html
    assert "Transposition deadline: 32024L1760" in html  # 26 July 2027, within a year of NOW
    assert "Transposition deadline: 32024L1799" not in html  # 31 July 2026: already past


def test_unknown_references_warn_with_file_and_line_and_strict_fails(tmp_path, demo_store, content):
    bad = _note(
        content / "briefings",
        "bad-refs.md",
        """
        title: Bad references
        date: 2025-01-01
        procedures: ["2099/0001(COD)"]
        celex:
          - 32024L1760
          - 32099R0001
        """,
    )
    result = build_site(options(tmp_path / "out", demo_store, content))
    assert result.ok
    assert f"{bad}:4: unknown procedure 2099/0001(COD) (not in the store)" in result.warnings
    assert f"{bad}:7: unknown CELEX 32099R0001 (not in the store)" in result.warnings
    assert len(result.warnings) == 2
    # The page is still built, the unknown act shown without a link.
    html = (tmp_path / "out/notes/bad-refs/index.html").read_text("utf-8")
    assert "32099R0001" in html and 'href="../../documents/celex-32024l1760/"' in html
    # A no-change rebuild reports the same warnings (so --strict stays strict).
    again = build_site(options(tmp_path / "out", demo_store, content))
    assert again.up_to_date and again.warnings == result.warnings


def test_broken_note_is_an_error_and_the_rest_is_built(tmp_path, demo_store, content):
    broken = content / "briefings" / "broken.md"
    broken.write_text("---\ntitle: [unclosed\n---\nx\n", "utf-8")
    _note(content / "briefings", "no-date.md", "title: No date")
    result = build_site(options(tmp_path / "out", demo_store, content))
    assert not result.ok
    assert any(e.startswith(f"{broken}:") and "bad front matter" in e for e in result.errors)
    assert any("no-date.md:1" in e and "'date' is required" in e for e in result.errors)
    assert (tmp_path / "out/notes/csddd-transposition/index.html").is_file()
    # A build with errors is never "up to date": the next run reports them again.
    assert not build_site(options(tmp_path / "out", demo_store, content)).up_to_date


def test_content_only_build_without_store(tmp_path, content):
    result = build_site(options(tmp_path / "out", tmp_path / "missing.sqlite3", content))
    assert result.ok
    assert any("no store yet" in w for w in result.warnings)
    assert any("unknown procedure 2022/0051(COD)" in w for w in result.warnings)
    assert (tmp_path / "out/notes/espr-electronics/index.html").is_file()


def test_missing_templates_is_a_clear_error(tmp_path, demo_store):
    with pytest.raises(SiteError, match="no templates here"):
        build_site(options(tmp_path / "out", demo_store, None, site_dir=tmp_path / "nothing"))


# ------------------------------------------------------------------------------ incremental


def test_no_change_rebuild_renders_nothing(tmp_path, demo_store, content):
    out = tmp_path / "out"
    first = build_site(options(out, demo_store, content))
    assert first.written == first.pages > 25 and not first.up_to_date
    mtime = (out / "index.html").stat().st_mtime_ns
    second = build_site(options(out, demo_store, content))
    assert second.up_to_date and second.written == 0 and second.unchanged == first.pages
    assert (out / "index.html").stat().st_mtime_ns == mtime


def test_changed_note_rerenders_only_what_shows_it(tmp_path, demo_store, content):
    out = tmp_path / "out"
    build_site(options(out, demo_store, content))
    note = content / "research" / "un-guiding-principles.md"
    note.write_text(note.read_text("utf-8").replace("Thirty-one principles", "31 principles"), "utf-8")
    result = build_site(options(out, demo_store, content))
    assert not result.up_to_date
    # The note page itself, plus the pages listing it (whose hash includes the note's).
    rendered = result.written
    assert 1 <= rendered <= 6, rendered
    assert "31 principles" in (out / "notes/un-guiding-principles/index.html").read_text("utf-8")


def test_store_change_rerenders_dossier_and_deleted_note_is_removed(tmp_path, content):
    store_path = fill_store(tmp_path / "store.sqlite3")
    out = tmp_path / "out"
    first = build_site(options(out, store_path, content))
    with Store(store_path) as store:
        proc = store.get("proc:2011/0438(COD)")
        store.upsert(
            [
                proc.replace(
                    events=(
                        *proc.events,
                        Event(
                            date=date(2027, 3, 1),
                            title="Commission proposal for a revision",
                            actor="European Commission",
                            forecast=True,
                        ),
                    )
                )
            ],
            NOW - timedelta(hours=1),
        )
    (content / "recommendations" / "procurement-ict.md").unlink()
    result = build_site(options(out, store_path, content))
    assert result.removed == 1 and not (out / "notes/procurement-ict").exists()
    assert "Commission proposal for a revision" in (out / "dossiers/2011-0438-cod/index.html").read_text("utf-8")
    assert result.written < first.written / 2
    assert "procurement-ict" not in (out / "recommendations/index.html").read_text("utf-8")


def test_files_the_builder_did_not_write_are_kept(tmp_path, demo_store, content):
    out = tmp_path / "out"
    out.mkdir()
    (out / "CNAME").write_text("policy.example.org")
    build_site(options(out, demo_store, content))
    (content / "research" / "oecd-minerals-guidance.md").unlink()
    build_site(options(out, demo_store, content))
    assert (out / "CNAME").read_text() == "policy.example.org"


def test_corrupt_manifest_means_full_rebuild(tmp_path, demo_store, content):
    out = tmp_path / "out"
    build_site(options(out, demo_store, content))
    (out / ".policytrack-build.json").write_text("{not json")
    result = build_site(options(out, demo_store, content))
    assert result.written == result.pages


def test_deleted_output_page_is_rebuilt(tmp_path, demo_store, content):
    out = tmp_path / "out"
    build_site(options(out, demo_store, content))
    os.remove(out / "dossiers/2022-0095-cod/index.html")
    result = build_site(options(out, demo_store, content))
    assert result.written == 1
    assert (out / "dossiers/2022-0095-cod/index.html").is_file()


# ---------------------------------------------------------------------------------- safety


def test_scraped_text_is_escaped_in_every_page(tmp_path, content):
    evil = "<script>alert(1)</script><img src=x onerror=alert(2)>"
    proc = Procedure(
        id="proc:2024/0999(COD)",
        reference="2024/0999(COD)",
        title=f"Evil {evil}",
        source="oeil",
        eurovoc=("human rights",),  # in a topic: published
        stage=evil,
        key_players=(evil,),
        summary=evil,
        events=(Event(date=date(2027, 1, 1), title=evil, actor=evil),),
    )
    doc = Document(
        id="ep:EVIL-1",
        title=f"Doc {evil}",
        source="ep-odp",
        procedure="2024/0999(COD)",
        summary=evil,
        authors=(evil,),
        eurovoc=(evil,),
        dates={"consultation_end": date(2027, 2, 1)},
    )
    store = fill_store(tmp_path / "store.sqlite3", extra=[proc, doc])
    out = tmp_path / "out"
    assert build_site(options(out, store, content)).ok
    checked = 0
    for path in out.rglob("*.html"):
        text = path.read_text("utf-8")
        assert "<script>alert" not in text and "<img src=x" not in text, path
        checked += "&lt;script&gt;alert(1)" in text
    assert checked >= 4  # dossier, document, dossiers index, home (changes and upcoming)
    feed = (out / "feed.xml").read_text("utf-8")
    assert "<script>alert" not in feed and "Evil &lt;script&gt;alert(1)" in feed
    csv_text = (out / "dossiers.csv").read_text("utf-8-sig")
    assert "Evil <script>" in csv_text


def test_csv_cells_never_start_a_formula(tmp_path):
    proc = Procedure(
        id="proc:2024/0998(COD)",
        reference="2024/0998(COD)",
        title='=HYPERLINK("http://x","y")',
        source="oeil",
        eurovoc=("human rights",),
        stage="+cmd|' /C calc'!A0",
    )
    store = fill_store(tmp_path / "store.sqlite3", extra=[proc])
    out = tmp_path / "out"
    build_site(options(out, store, None))
    text = (out / "dossiers.csv").read_text("utf-8-sig")
    assert "'=HYPERLINK" in text and "'+cmd" in text
    data = json.loads((out / "dossiers.json").read_text("utf-8"))
    row = next(r for r in data["dossiers"] if r["reference"] == "2024/0998(COD)")
    assert row["title"] == '=HYPERLINK("http://x","y")'  # JSON keeps the value as it is


def test_404_page_uses_absolute_links(demo_site: Path):
    html = (demo_site / "404.html").read_text("utf-8")
    assert 'href="http://127.0.0.1:8000/static/site.css"' in html
    assert 'href="http://127.0.0.1:8000/search/"' in html


def test_next_day_rerenders_only_date_dependent_pages(tmp_path, demo_store, content):
    out = tmp_path / "out"
    build_site(options(out, demo_store, content))
    result = build_site(options(out, demo_store, content, now=NOW + timedelta(days=1)))
    assert not result.up_to_date
    assert result.written == 1  # the home page: its upcoming dates start today


def test_unknown_topic_is_a_warning_with_its_line(tmp_path, demo_store, content):
    note = _note(
        content / "briefings",
        "odd-topic.md",
        """
        title: Odd topic
        date: 2025-01-01
        topics:
          - due-diligence
          - space-mining
        """,
    )
    result = build_site(options(tmp_path / "out", demo_store, content))
    assert result.warnings == [f"{note}:6: unknown topic 'space-mining'"]


def test_yaml_error_names_the_line_of_the_broken_field(tmp_path, demo_store, content):
    bad = content / "briefings" / "bad-yaml.md"
    bad.write_text("---\ntitle: ok\ndate: 2025-01-01\nsummary: [unclosed\n---\nbody\n", "utf-8")
    result = build_site(options(tmp_path / "out", demo_store, content))
    assert [e for e in result.errors if "bad-yaml" in e] == [
        f"{bad}:4: bad front matter: did not find expected ',' or ']'"
    ]


def test_untracked_items_are_stored_but_not_published(tmp_path):
    # An EP procedure outside every topic (the Open Data feeds report all of the Parliament's
    # work) is kept in the store as untracked: no page, not on the home page, not exported.
    unrelated = Procedure(
        id="proc:2024/2006(REG)",
        reference="2024/2006(REG)",
        source="ep-odp",
        title="Amendments to Parliament's Rules of Procedure on workplace training",
        stage="Awaiting committee decision",
        events=[Event(NOW.date() - timedelta(days=3), "Committee referral announced in Parliament")],
    )
    store = fill_store(tmp_path / "store.sqlite3", extra=[unrelated])
    out = tmp_path / "public"
    assert build_site(options(out, store, None)).ok
    home = (out / "index.html").read_text()
    assert "Rules of Procedure on workplace training" not in home
    assert "Corporate sustainability due diligence" in home
    assert "Tracking 5 dossiers" in home
    assert not (out / urls.dossier_path("2024/2006(REG)")).exists()
    exported = json.loads((out / "dossiers.json").read_text("utf-8"))
    assert "2024/2006(REG)" not in {d["reference"] for d in exported["dossiers"]}
    with Store(store, readonly=True) as s:
        assert [r.item.id for r in s.records(tracked=False)] == ["proc:2024/2006(REG)"]
