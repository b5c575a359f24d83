"""End to end: the same spider code crawls the shipped recording through the local replay server."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from crawl_fixtures import project_fixture  # noqa: F401 (pytest fixture `project`)

from policytrack.config import load_settings
from policytrack.model import Procedure
from policytrack.store import Store
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
REAL = {
    "celex:32017R2403",
    "proc:2021/0106(COD)",
    "proc:2013/0449(COD)",
    "proc:2024/0258(COD)",
    "proc:2022/0377(NLE)",
    "oeil-summary:1864147",
    "proc:2025/0260(COD)",
    "proc:2024/2006(REG)",
    "ep:A-9-2024-0163",
    "ep:MTG-PL-2024-07-16",
    "press:20241212IPR25960",
    "ep:A-9-2021-0270",
}


def by_spider(results):
    return {row["spider"]: row for row in results}


def test_replay_twice_second_run_is_quiet(project: Path):
    first = by_spider(crawl(config_file=project / "policytrack.toml", replay=SHIPPED_RECORDING))
    assert set(first) == {"cellar", "eurlex", "oeil", "ep_odp", "ep_press"}
    assert all(not row["outright"] and row["failed"] == 0 for row in first.values()), first
    assert first["eurlex"]["pages"] == 13 and first["oeil"]["pages"] == 8
    assert sum(row["new"] for row in first.values()) == 27

    settings = load_settings(project / "policytrack.toml")
    with Store(settings.store_path, readonly=True) as store:
        ids = {item.id for item in store.items()}
        assert ids >= WATCHED and ids >= REAL
        csddd = store.get("proc:2022/0051(COD)")
        assert isinstance(csddd, Procedure) and csddd.final_act == "32024L1760"
        assert "due-diligence" in csddd.topics
        assert [e.date.isoformat() for e in csddd.events if e.forecast] == ["2027-07-26"]
        assert store.get("celex:32024L1760").dates["transposition"].isoformat() == "2027-07-26"
        assert store.get("celex:32024R1781").topics == ("circular-electronics",)
        assert store.get("celex:32014L0024").topics == ("public-procurement",)
        assert store.get("proc:2021/0106(COD)").topics == ()  # crawled, but not a watched topic

    second = by_spider(crawl(config_file=project / "policytrack.toml", replay=SHIPPED_RECORDING))
    for row in second.values():
        assert (row["pages"], row["new"], row["changed"], row["failed"]) == (0, 0, 0, 0), row
        assert row["not_modified"] >= 1  # every feed answered 304 Not Modified
    state = json.loads(next((settings.data_dir / "crawl").glob("state-replay-*/eurlex.json")).read_text())
    assert len(state["entries"]) == 13 and len(state["hashes"]) == 13


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
    assert "Nothing new: only the feeds were asked, no page requests were needed" in second.stdout
