"""One topic rule: the site's topic pages and ``search topic:…`` list the same items, on both
backends, for items that are in a topic in every way the rule allows (and for none other)."""

from __future__ import annotations

import re
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest
from index_corpus import make_backend

from indexer.sync import sync_index
from policytrack import urls
from policytrack.config import load_settings
from policytrack.content import load_content
from policytrack.model import Document, Event, Procedure
from policytrack.store import Store
from policytrack.website import BuildOptions, build_site

NOW = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)
KEYWORD_DOSSIER = "2099/0001(COD)"  # in a topic by a keyword of its title only


def items() -> list[Document | Procedure]:
    return [
        Procedure(
            id=f"proc:{KEYWORD_DOSSIER}",
            reference=KEYWORD_DOSSIER,
            title="Ecodesign requirements for smartphones",
            source="oeil",
            events=(Event("2025-01-15", "Legislative proposal published"),),
            documents=("ep:A-10-2099-0002",),
        ),
        # Its report: no keyword of its own; in the topic because its dossier is.
        Document(id="ep:A-10-2099-0001", title="Report", source="ep-odp", doc_type="report", procedure=KEYWORD_DOSSIER),
        # Listed by the dossier, naming none itself.
        Document(id="ep:A-10-2099-0002", title="Opinion", source="ep-odp", doc_type="opinion"),
        # A watched act, by its CELEX number only.
        Document(
            id="celex:32014L0024",
            title="Directive 2014/24/EU",
            source="eurlex",
            doc_type="directive",
            celex="32014L0024",
        ),
        # A consolidated version of a watched act.
        Document(
            id="celex:02024L1760-20250417", title="Consolidated text", source="eurlex", celex="02024L1760-20250417"
        ),
        # By a EuroVoc concept.
        Document(id="celex:52025DC0001", title="Communication", source="cellar", eurovoc=("Electronic waste",)),
        # Outside every topic: stored, neither on a topic page nor in the index.
        Procedure(id="proc:2024/0258(COD)", reference="2024/0258(COD)", title="Facility for Moldova", source="oeil"),
        Document(id="ep:A-10-2025-0006", title="Report on Moldova", source="ep-odp", procedure="2024/0258(COD)"),
    ]


NOTES = {
    "on-the-dossier.md": f"""
        ---
        title: Smartphones must be repairable
        date: 2025-02-01
        procedures: ["{KEYWORD_DOSSIER}"]
        ---
        Body.
        """,
    "tagged.md": """
        ---
        title: Procurement basics
        date: 2025-02-02
        topics: [public-procurement]
        ---
        Body.
        """,
}


def _topic_page_items(out: Path, slug: str) -> set[str]:
    html = (out / urls.topic_path(slug) / "index.html").read_text("utf-8")
    main = html[html.index("<main") : html.index("</main>")]
    hrefs = re.findall(r'href="\.\./\.\./((?:dossiers|documents|notes)/[^"]+)"', main)
    return set(hrefs)


@pytest.mark.parametrize("kind", ["embedded", pytest.param("elasticsearch", marks=pytest.mark.requires_es)])
def test_topic_pages_and_topic_search_agree_item_for_item(kind, tmp_path, es_index_name):
    settings = load_settings(env={}, cwd=tmp_path)
    store_path = tmp_path / "store.sqlite3"
    with Store(store_path, topics=settings.topics) as store:
        store.upsert(items(), NOW)
    content = tmp_path / "content" / "briefings"
    content.mkdir(parents=True)
    for name, text in NOTES.items():
        (content / name).write_text(textwrap.dedent(text).lstrip(), "utf-8")
    notes, broken = load_content(tmp_path / "content")
    assert broken == []
    out = tmp_path / "public"
    result = build_site(
        BuildOptions(
            out_dir=out,
            content_dir=tmp_path / "content",
            store_path=store_path,
            now=NOW,
            topics=settings.topics,
            search=False,
        )
    )
    assert result.ok and result.warnings == [], (result.errors, result.warnings)
    backend = make_backend(kind, tmp_path, es_index_name)
    try:
        with Store(store_path, topics=settings.topics) as store:
            sync_index(store, backend, notes)
        found_somewhere = set()
        for topic in settings.topics:
            searched = {urls.item_path(i) for i in backend.ids(f"topic:{topic.slug}")}
            assert _topic_page_items(out, topic.slug) == searched, topic.slug
            found_somewhere |= searched
        # Every way in is covered by this corpus, and what is in no topic is nowhere.
        assert found_somewhere == {
            urls.item_path(i)
            for i in (
                f"proc:{KEYWORD_DOSSIER}",
                "ep:A-10-2099-0001",
                "ep:A-10-2099-0002",
                "celex:32014L0024",
                "celex:02024L1760-20250417",
                "celex:52025DC0001",
                "note:on-the-dossier",
                "note:tagged",
            )
        }
        assert set(backend.ids("moldova")) == set()
        assert not (out / urls.dossier_path("2024/0258(COD)")).exists()
    finally:
        if kind == "elasticsearch":
            backend.drop()
        backend.close()
