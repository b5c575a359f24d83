"""The main job on the shipped recording: one dossier from every source, only tracked items
published, the coalition's notes searchable, a first crawl announcing nothing as news."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from crawl_fixtures import project_fixture  # noqa: F401 (pytest fixture `project`)

from policytrack.cli import main
from policytrack.config import load_settings
from policytrack.model import Procedure
from policytrack.resources import site_dir
from policytrack.store import Store
from spiders.replay import SHIPPED_RECORDING
from spiders.summary import crawl

CSDDD = "2022/0051(COD)"


@pytest.fixture
def crawled(project: Path) -> Path:
    shutil.copytree(site_dir() / "content", project / "content")
    results = crawl(config_file=project / "policytrack.toml", replay=SHIPPED_RECORDING)
    assert all(not row["outright"] and row["failed"] == 0 for row in results), results
    return project


def run(project: Path, *args: str):
    result = CliRunner().invoke(main, ["-c", str(project / "policytrack.toml"), *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_the_csddd_dossier_comes_from_several_sources_with_its_rapporteur(crawled: Path):
    settings = load_settings(crawled / "policytrack.toml")
    with Store(settings.store_path, readonly=True) as store:
        csddd = store.get(f"proc:{CSDDD}")
        assert isinstance(csddd, Procedure)
        assert len(csddd.sources) >= 2 and {"oeil", "eurlex"} <= set(csddd.sources)
        rapporteurs = [(k.name, k.group, k.committee) for k in csddd.key_players if k.role == "rapporteur"]
        assert rapporteurs == [("WOLTERS Lara", "S&D", "JURI")]
        # The timeline merges what OEIL and EUR-Lex both report, and keeps OEIL's forecast.
        published = [e for e in csddd.events if e.title == "Final act published in Official Journal"]
        assert [(e.date.isoformat(), e.sources) for e in published] == [("2024-07-05", ("eurlex", "oeil"))]
        assert [e.date.isoformat() for e in csddd.events if e.forecast] == ["2027-07-26"]
        assert (csddd.status, csddd.final_act, csddd.provenance["final_act"]) == (
            "completed",
            "32024L1760",
            ("eurlex", "oeil"),
        )
        # Two sources of one EP report are one document.
        report = store.get("ep:A-9-2024-0163")
        assert report is not None and report.sources == ("ep", "ep-odp")
        # The first crawl of every spider established what exists: none of it is news.
        changes = store.changes()
        assert changes and all(c.baseline and not c.news for c in changes)
        untracked = {r.item.id for r in store.records(tracked=False)}
        # What broad feeds and the recorded notices bring in beyond the topics (EP Rules of
        # Procedure, customs duties, an old Cellar dossier) is kept, untracked.
        assert {"proc:2024/2006(REG)", "proc:2025/0260(COD)", "proc:2013/0449(COD)"} <= untracked


def test_only_tracked_dossiers_are_published_with_topics_sources_and_key_players(crawled: Path):
    run(crawled, "site", "build", "--no-search")
    data = json.loads((crawled / "public" / "dossiers.json").read_text("utf-8"))
    rows = {d["reference"]: d for d in data["dossiers"]}
    assert rows and all(d["topics"] and d["sources"] and "key_players" in d for d in rows.values())
    assert {"2024/0258(COD)", "2024/2006(REG)", "2025/0260(COD)", "2022/0377(NLE)"}.isdisjoint(rows)
    csddd = rows[CSDDD]
    assert len(csddd["sources"]) >= 2
    assert {"role": "rapporteur", "name": "WOLTERS Lara", "committee": "JURI", "group": "S&D"} in csddd["key_players"]
    home = (crawled / "public" / "index.html").read_text("utf-8")
    assert f"Tracking {len(rows)} dossiers" in home
    assert "Nothing changed in the last 30 days." in home  # a first crawl is a baseline


def test_the_shipped_briefings_are_searchable(crawled: Path):
    run(crawled, "index")
    found = json.loads(run(crawled, "search", "--json", "--limit", "100", "type:briefing"))
    shipped = {f"note:{p.stem}" for p in (crawled / "content" / "briefings").glob("*.md")}
    assert shipped and {h["id"] for h in found["hits"]} == shipped
    asks = json.loads(run(crawled, "search", "--json", '"due diligence" type:recommendation'))
    assert "note:csddd-transposition-asks" in {h["id"] for h in asks["hits"]}
    rapporteur = json.loads(run(crawled, "search", "--json", 'player:"WOLTERS Lara"'))
    assert [h["id"] for h in rapporteur["hits"]] == [f"proc:{CSDDD}"]
    quiet = run(crawled, "index")
    assert "Indexed 0 items and removed 0" in quiet


def test_status_lists_the_untracked_items_and_what_each_source_said(crawled: Path):
    summary = " ".join(run(crawled, "status").split())  # rich wraps lines at the terminal's width
    assert "items are in no topic" in summary and "status --untracked" in summary
    listed = run(crawled, "status", "--untracked")
    assert "proc:2025/0260(COD)" in listed and "customs duties" in listed
    assert f"proc:{CSDDD}" not in listed
    sources = run(crawled, "status", "--sources", f"proc:{CSDDD}")
    assert "celex:32024L1760" in sources and "(the item itself)" in sources and "key_players" in sources
