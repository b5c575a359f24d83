"""End to end: the same spider code crawls the shipped recording through the local replay server."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from crawl_fixtures import project_fixture  # noqa: F401 (pytest fixture `project`)

from policytrack.config import load_settings
from policytrack.model import Document, KeyPlayer, Procedure
from policytrack.store import Store
from spiders.parsers import parse
from spiders.replay import SHIPPED_RECORDING
from spiders.summary import crawl

WATCHED = {
    "proc:2022/0051(COD)",
    "celex:32024L1760",
    "celex:52022PC0071",
    "celex:32017R0821",
    "celex:32024R3015",
    "proc:2022/0269(COD)",
    "celex:32024R1781",
    "proc:2022/0095(COD)",
    "celex:32024L1799",
    "proc:2023/0083(COD)",
    "celex:32023R1542",
    "celex:32022L2380",
    "celex:32024R1252",
    "celex:32014L0024",
}
# Items from real responses that the default crawl reaches: Cellar's notices, the EP API's
# records (through its feeds and its list of meetings), EUR-Lex's page of 32017R2403 (through
# the "Parliament and Council legislation" feed), the press release and the plenary document.
REAL = {
    "celex:32017R2403",
    "proc:2013/0449(COD)",
    "proc:2025/0260(COD)",
    "proc:2024/2006(REG)",
    "ep:A-9-2024-0163",
    "ep:MTG-PL-2024-07-16",
    "press:20241212IPR25960",
}
TEXTS = {"32024L1760": 39, "32024R1781": 80, "32024L1799": 24, "32023R1542": 96, "32014L0024": 94, "32025L0794": 5}


def by_spider(results):
    return {row["spider"]: row for row in results}


def test_replay_twice_second_run_is_quiet(project: Path):
    log = project / "requests.json"
    first = by_spider(crawl(config_file=project / "policytrack.toml", replay=SHIPPED_RECORDING, request_log=log))
    assert list(first) == ["cellar", "ep_odp", "eurlex", "oeil", "ep_press"]  # backbone first
    assert all(not row["outright"] and row["failed"] == 0 for row in first.values()), first
    # Cellar: a notice for each of the two real ones, notice + text for the six acts with texts.
    assert first["cellar"]["pages"] == 14 and first["cellar"]["new"] == 8
    # 32017R2403 from the feed; the watched acts' pages are the watch list. (A watched act the feed
    # also lists counts as a page when the feed answers before the watch list is queued: 1 or 2.)
    assert first["eurlex"]["pages"] in (1, 2)
    # The recording's gaps, counted apart: 15 pages, and the MEP records of the 21 people the two
    # recorded EP procedures name (each asked once).
    assert sum(row["not_recorded"] for row in first.values()) == 15 + 21
    requested = [r["url"] for r in json.loads(log.read_text("utf-8"))]
    eurlex_pages = [u for u in requested if "eur-lex.europa.eu/legal-content/" in u]
    assert len(eurlex_pages) == len(set(eurlex_pages)) and any("CELEX:32017R2403" in u for u in eurlex_pages)
    people = [u for u in requested if "/api/v2/meps/" in u]
    assert len(people) == len(set(people)) == 21
    assert not any("oeil.secure" in u for u in requested)  # OEIL left that host in December 2025
    assert sum("oeil.europarl.europa.eu/oeil/en/procedure-file?reference=" in u for u in requested) == 10
    assert not any("myRssId" in u for u in requested)  # no token configured, no placeholder asked

    settings = load_settings(project / "policytrack.toml")
    with Store(settings.store_path, readonly=True) as store:
        ids = {item.id for item in store.items()}
        assert ids >= WATCHED | REAL | {"celex:32025L0794", "oeil-summary:1748647"}
        csddd = store.get("proc:2022/0051(COD)")
        assert isinstance(csddd, Procedure) and csddd.final_act == "32024L1760"
        assert "due-diligence" in csddd.topics
        assert [e.date.isoformat() for e in csddd.events if e.forecast] == ["2027-07-26"]
        act = store.get("celex:32024L1760")
        assert isinstance(act, Document) and act.dates["transposition"].isoformat() == "2027-07-26"  # EUR-Lex page
        for celex, articles in TEXTS.items():  # Cellar's official text, kept under the EUR-Lex page's facts
            doc = store.get(f"celex:{celex}")
            assert isinstance(doc, Document)
            assert sum(s.kind == "article" for s in doc.sections) == articles, celex
        assert "downstream business partners" in next(s for s in act.sections if s.anchor == "art_3").text
        assert store.get("celex:32024R1781").topics == ("circular-electronics",)
        assert store.get("celex:32014L0024").topics == ("public-procurement",)
        assert store.get("celex:32025L0794").topics == ("due-diligence",)  # amends a watched act
        # Planned plenary activity of an EP procedure (was_scheduled_in) is kept as forecasts in
        # the EP API's record; in the merged dossier a forecast step that then happened on its
        # date is one (held) step.
        [recorded] = parse(
            "ep-odp-procedure", (SHIPPED_RECORDING / "real/ep-odp/procedure_2025-0260.json").read_bytes()
        )
        planned = {(e.date, e.title) for e in recorded.events if e.forecast}
        ep = store.get("proc:2025/0260(COD)")
        assert planned and isinstance(ep, Procedure) and "ep-odp" in ep.sources
        assert planned <= {(e.date, e.title) for e in ep.events}
        # Its rapporteur and shadow rapporteurs, whose MEP records are gaps: shown by number.
        assert KeyPlayer("rapporteur", "MEP 1909", "INTA", "S&D") in ep.key_players
        assert sum(kp.role == "shadow rapporteur" for kp in ep.key_players) == 14
        assert not any("person/" in kp.name for kp in ep.key_players)

    second = by_spider(crawl(config_file=project / "policytrack.toml", replay=SHIPPED_RECORDING))
    for row in second.values():
        assert (row["pages"], row["new"], row["changed"], row["failed"]) == (0, 0, 0, 0), row
        assert row["not_modified"] >= 1  # 304s, rows and entries already followed
    state_dir = next((settings.data_dir / "crawl").glob("state-replay-*"))
    cellar = json.loads((state_dir / "cellar.json").read_text())
    assert sorted(k.split(":")[1] for k in cellar["last_success"]) == [
        "about-concepts",
        "citing-or-amending",
        "watched-acts",
        "watched-procedures",
    ]
    ep_odp = json.loads((state_dir / "ep_odp.json").read_text())
    assert set(ep_odp["last_success"]) == {"ep-odp:procedures/feed", "ep-odp:plenary-documents/feed", "ep-odp:meetings"}


def test_cli_prints_summary_table_and_quiet_line(project: Path):
    cmd = [
        sys.executable,
        "-c",
        "from policytrack.cli import main; main()",
        "crawl",
        "--replay",
        "--spider",
        "ep_press",
    ]

    def run() -> subprocess.CompletedProcess[str]:
        return subprocess.run(cmd, capture_output=True, text=True, cwd=project, timeout=120)

    first = run()
    assert first.returncode == 0, first.stderr
    assert "crawl summary" in first.stdout and "ep_press" in first.stdout
    assert "Nothing new" not in first.stdout
    second = run()
    assert second.returncode == 0, second.stderr
    assert "Nothing new: only the feeds, queries and watched pages were asked (conditionally)" in second.stdout


def test_without_a_token_the_saved_search_is_skipped_and_status_says_how_to_get_one(project: Path):
    done = subprocess.run(
        [sys.executable, "-c", "from policytrack.cli import main; main()", "crawl", "--replay", "--spider", "eurlex"],
        capture_output=True,
        text=True,
        cwd=project,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "My EUR-Lex saved-search feed skipped: no token" in " ".join(done.stdout.split())
    status = subprocess.run(
        [sys.executable, "-c", "from policytrack.cli import main; main()", "status"],
        capture_output=True,
        text=True,
        cwd=project,
        timeout=60,
    )
    text = " ".join(status.stdout.split())
    assert "My EUR-Lex saved-search feed: not followed (no token)" in text
    assert "eurlex_rss_token" in text and "Create RSS feed" in text
