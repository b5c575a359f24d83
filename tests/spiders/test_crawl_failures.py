"""Honest failures: a truncated page, a 404 and a missing feed are counted and named (URL +
reason), the crawl goes on and retries them next run, and a spider whose indexes all fail fails
outright."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from crawl_fixtures import project_fixture  # noqa: F401 (pytest fixture `project`)
from recordings import RSS, SHIPPED, config, recording, rss

from policytrack.store import Store
from spiders.summary import crawl

FEED = "https://eur-lex.europa.eu/EN/display-feed.rss?rssId=162"
WATCHED = "https://eur-lex.europa.eu/legal-content/EN/ALL/?uri=CELEX:32017R0821"
TRUNCATED = "https://eur-lex.europa.eu/legal-content/EN/ALL/?uri=CELEX:32017R2403"
MISSING = "https://eur-lex.europa.eu/legal-content/EN/ALL/?uri=CELEX:32024L1799"
GOOD_PAGE = (SHIPPED / "handmade" / "eurlex_legal-content_EN-ALL_CELEX-32017R0821.html").read_bytes()
REAL_PAGE = (SHIPPED / "real" / "eurlex" / "legal-content_EN-ALL_CELEX-32017R2403.html").read_bytes()
ONE_ACT = '\n[[topics]]\nslug = "minerals"\ntitle = "Conflict minerals"\ncelex = ["32017R0821"]\n'


def cli(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from policytrack.cli import main; main()", *args],
        capture_output=True,
        text=True,
        cwd=project,
        timeout=120,
    )


def test_failures_are_counted_named_and_retried(project: Path):
    cfg = config(project, ONE_ACT)
    rec = recording(
        project / "rec",
        {
            "url": FEED,
            "content_type": RSS,
            "body": rss((TRUNCATED, "Fri, 05 Jul 2024 00:00:00 GMT"), (MISSING, "Fri, 05 Jul 2024 00:00:00 GMT")),
        },
        {"url": WATCHED, "body": GOOD_PAGE},
        {"url": TRUNCATED, "body": REAL_PAGE[:3000]},
    )
    [row] = crawl(config_file=cfg, replay=rec, spiders=["eurlex"])
    assert row["new"] == 1 and not row["outright"]
    assert row["failed"] == 2  # the truncated page and the missing one
    text = "\n".join(row["failures"])
    assert f"{TRUNCATED}: not a usable EUR-Lex document page" in text
    assert f"{MISSING}: HTTP 404" in text
    with Store(project / "data" / "store.sqlite3", readonly=True) as store:
        assert {i.id for i in store.items()} == {"celex:32017R0821"}  # nothing built from garbage

    [again] = crawl(config_file=cfg, replay=rec, spiders=["eurlex"])
    assert again["pages"] == 2  # the failed pages are retried; the watched page answers 304
    assert again["new"] == 0 and again["failed"] == 2


def test_spiders_whose_indexes_all_fail_fail_outright_exit_1(project: Path):
    rec = recording(project / "rec")  # nothing recorded: every feed and list is a 404
    done = cli(project, "crawl", "--replay", str(rec), "--spider", "ep_odp", "--spider", "ep_press")
    assert done.returncode == 1
    assert "FAILED" in done.stdout
    assert "Error: spider(s) failed outright: ep_odp, ep_press" in done.stderr
    assert "https://data.europarl.europa.eu/api/v2/plenary-documents/feed: HTTP 404" in done.stdout


def test_a_watch_list_whose_pages_all_fail_fails_outright_an_empty_one_does_not(project: Path):
    cfg = config(project, '\n[[topics]]\nslug = "x"\ntitle = "X"\nprocedures = ["2022/0051(COD)"]\n')
    [failed] = crawl(config_file=cfg, replay=recording(project / "rec"), spiders=["oeil"])
    assert failed["outright"] and failed["failures"] == [
        "https://oeil.europarl.europa.eu/oeil/en/procedure-file?reference=2022/0051(COD): HTTP 404"
    ]
    cfg.write_text(cfg.read_text("utf-8").replace('procedures = ["2022/0051(COD)"]', 'keywords = ["repair"]'), "utf-8")
    [idle] = crawl(config_file=cfg, replay=recording(project / "rec"), spiders=["oeil"])
    assert (
        not idle["outright"]
        and idle["failed"] == 0
        and idle["notes"] == ["nothing to ask: no watched procedures, none changed in the store under a topic"]
    )


def test_not_a_recording_is_a_one_line_error(project: Path):
    done = cli(project, "crawl", "--replay", str(project))
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [f"Error: {project}: not a recording (no manifest.json)"]


def test_record_then_replay_the_recording(project: Path):
    cfg = config(project, '\n[[topics]]\nslug = "x"\ntitle = "X"\nprocedures = ["2022/0051(COD)", "2022/0095(COD)"]\n')
    recorded = project / "recorded"
    first = crawl(config_file=cfg, replay=SHIPPED, record=recorded, spiders=["oeil"])
    assert first[0]["new"] == 3  # two procedure files and the summary one of them links
    manifest = json.loads((recorded / "manifest.json").read_text())
    urls = {e["url"] for e in manifest["entries"]}
    assert "https://oeil.europarl.europa.eu/oeil/en/procedure-file?reference=2022/0051(COD)" in urls
    assert "https://oeil.europarl.europa.eu/oeil/en/document-summary?id=1748647" in urls
    assert len(urls) == 3 and not any(e.get("handmade") for e in manifest["entries"])

    other = project / "other"
    other.mkdir()
    (other / "policytrack.toml").write_text(cfg.read_text("utf-8"), "utf-8")
    [again] = crawl(config_file=other / "policytrack.toml", replay=recorded, spiders=["oeil"])
    assert (again["new"], again["failed"], again["pages"]) == (3, 0, 1)
    with (
        Store(project / "data" / "store.sqlite3", readonly=True) as a,
        Store(other / "data" / "store.sqlite3", readonly=True) as b,
    ):
        assert {i.id: i.content_hash() for i in a.items()} == {i.id: i.content_hash() for i in b.items()}
    shutil.rmtree(recorded)


def test_page_listed_by_two_feeds_is_asked_once(project: Path):
    cfg = config(
        project,
        '[crawl]\neurlex_rss_token = "e1Wry6/ANeUpe1f1+CToXcHk31CTyaJK"\n'
        '\n[[topics]]\nslug = "fish"\ntitle = "Fish"\nkeywords = ["fishing"]\n',
    )
    saved = "https://eur-lex.europa.eu/EN/display-feed.rss?myRssId=e1Wry6%2FANeUpe1f1%2BCToXcHk31CTyaJK"
    link = "https://eur-lex.europa.eu/./legal-content/AUTO/?uri=CELEX:32017R2403"
    rec = recording(
        project / "rec",
        {"url": FEED, "content_type": RSS, "body": rss((link, "Fri, 05 Jul 2024 00:00:00 GMT"))},
        {"url": saved, "content_type": RSS, "body": rss((link, "Sat, 06 Jul 2024 00:00:00 GMT"))},
        {"url": TRUNCATED, "body": REAL_PAGE},
    )
    log = project / "requests.json"
    [first] = crawl(config_file=cfg, replay=rec, spiders=["eurlex"], request_log=log)
    assert (first["pages"], first["new"], first["failed"]) == (1, 1, 0)
    asked = [r["url"] for r in json.loads(log.read_text("utf-8"))]
    assert saved in asked and asked.count(TRUNCATED) == 1  # the /./ and AUTO of the feed link resolved
    for entry in json.loads((rec / "manifest.json").read_text())["entries"][:2]:  # both feeds change...
        path = rec / entry["file"]
        path.write_bytes(path.read_bytes().replace(b"<title>t</title>", b"<title>t2</title>"))
    [second] = crawl(config_file=cfg, replay=rec, spiders=["eurlex"])
    assert (second["pages"], second["new"], second["failed"]) == (0, 0, 0)  # ...their entries do not
