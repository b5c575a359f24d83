"""Honest failures: a bot challenge, a truncated page, a 404 and a missing feed are counted and
named (URL + reason), the crawl goes on, and a spider whose feeds all fail fails outright."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from crawl_fixtures import project_fixture  # noqa: F401 (pytest fixture `project`)

from policytrack.store import Store
from spiders.replay import SHIPPED_RECORDING
from spiders.summary import crawl

SAVED = "https://eur-lex.europa.eu/EN/display-feed.rss?myRssId=policytrack-watched-acts"
GOOD = "https://eur-lex.europa.eu/legal-content/EN/ALL/?uri=CELEX:32017R0821"
CHALLENGE = "https://eur-lex.europa.eu/legal-content/EN/ALL/?uri=CELEX:32024L1760"
TRUNCATED = "https://eur-lex.europa.eu/legal-content/EN/ALL/?uri=CELEX:32017R2403"
MISSING = "https://eur-lex.europa.eu/legal-content/EN/ALL/?uri=CELEX:32024L1799"
# Hand-made for this test: an AWS-WAF-style challenge page as EUR-Lex serves to suspected bots.
HANDMADE_CHALLENGE = (
    b"<!DOCTYPE html><html><head><title>Human Verification</title>"
    b'<script src="https://example.token.awswaf.com/challenge.js"></script></head>'
    b"<body><noscript>JavaScript is disabled</noscript></body></html>"
)


def make_recording(folder: Path, *, feeds: bool = True) -> Path:
    """A small hand-made recording (built by the test) around one real page."""
    folder.mkdir(parents=True)
    entries = []

    def add(url: str, name: str, body: bytes, content_type: str = "text/html; charset=utf-8") -> None:
        (folder / name).write_bytes(body)
        entries.append({"url": url, "file": name, "content_type": content_type, "handmade": True})

    items = "".join(
        f"<item><title>{i}</title><link>{url.replace('&', '&amp;')}</link><pubDate>Fri, 05 Jul 2024 00:00:00 GMT</pubDate></item>"
        for i, url in enumerate([GOOD, CHALLENGE, TRUNCATED, MISSING])
    )
    if feeds:
        add(
            SAVED,
            "feed.xml",
            f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{items}</channel></rss>'.encode(),
            "application/rss+xml",
        )
    good = SHIPPED_RECORDING / "handmade" / "eurlex_legal-content_EN-ALL_CELEX-32017R0821.html"
    add(GOOD, "good.html", good.read_bytes())
    add(CHALLENGE, "challenge.html", HANDMADE_CHALLENGE)
    real = SHIPPED_RECORDING / "real" / "eurlex" / "legal-content_EN-ALL_CELEX-32017R2403.html"
    add(TRUNCATED, "truncated.html", real.read_bytes()[:3000])
    (folder / "manifest.json").write_text(json.dumps({"comment": "hand-made by the test", "entries": entries}), "utf-8")
    return folder


def test_failures_are_counted_named_and_retried(project: Path):
    recording = make_recording(project / "rec")
    [row] = crawl(config_file=project / "policytrack.toml", replay=recording, spiders=["eurlex"])
    assert row["new"] == 1 and not row["outright"]
    assert row["failed"] == 4  # three pages and the missing predefined feed
    text = "\n".join(row["failures"])
    assert f"{CHALLENGE}: not a usable EUR-Lex document page: bot-challenge page" in text
    assert f"{TRUNCATED}: not a usable EUR-Lex document page" in text
    assert f"{MISSING}: HTTP 404" in text
    assert "https://eur-lex.europa.eu/EN/display-feed.rss?rssId=162: HTTP 404" in text
    with Store(project / "data" / "store.sqlite3", readonly=True) as store:
        assert {i.id for i in store.items()} == {"celex:32017R0821"}  # nothing built from garbage

    [again] = crawl(config_file=project / "policytrack.toml", replay=recording, spiders=["eurlex"])
    assert again["pages"] == 3  # the failed pages are retried, the stored one is not asked again
    assert again["new"] == 0 and again["failed"] == 4


def test_spider_whose_feeds_all_fail_fails_outright_exit_1(project: Path):
    recording = make_recording(project / "rec", feeds=False)
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from policytrack.cli import main; main()",
            "crawl",
            "--replay",
            str(recording),
            "--spider",
            "eurlex",
            "--spider",
            "ep_press",
        ],
        capture_output=True,
        text=True,
        cwd=project,
        timeout=120,
    )
    assert done.returncode == 1
    assert "FAILED" in done.stdout
    assert "Error: spider(s) failed outright: eurlex, ep_press" in done.stderr
    assert f"{SAVED}: HTTP 404" in done.stdout


def test_not_a_recording_is_a_one_line_error(project: Path):
    done = subprocess.run(
        [sys.executable, "-c", "from policytrack.cli import main; main()", "crawl", "--replay", str(project)],
        capture_output=True,
        text=True,
        cwd=project,
        timeout=60,
    )
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [f"Error: {project}: not a recording (no manifest.json)"]


def test_record_then_replay_the_recording(project: Path):
    recorded = project / "recorded"
    first = crawl(config_file=project / "policytrack.toml", replay=SHIPPED_RECORDING, record=recorded, spiders=["oeil"])
    assert first[0]["new"] == 8
    manifest = json.loads((recorded / "manifest.json").read_text())
    urls = {e["url"] for e in manifest["entries"]}
    assert "https://oeil.secure.europarl.europa.eu/oeil/en/procedure-file?reference=2024/0258(COD)" in urls
    assert len(urls) == 9 and not any(e["handmade"] for e in manifest["entries"])

    other = project / "other"
    other.mkdir()
    (other / "policytrack.toml").write_text('[project]\ndata_dir = "data"\n', "utf-8")
    [again] = crawl(config_file=other / "policytrack.toml", replay=recorded, spiders=["oeil"])
    assert (again["new"], again["failed"], again["pages"]) == (8, 0, 8)
    with (
        Store(project / "data" / "store.sqlite3", readonly=True) as a,
        Store(other / "data" / "store.sqlite3", readonly=True) as b,
    ):
        assert {i.id: i.content_hash() for i in a.items()} == {i.id: i.content_hash() for i in b.items()}
    shutil.rmtree(recorded)


def test_page_listed_by_two_feeds_is_asked_once(project: Path):
    recording = project / "rec"
    recording.mkdir()
    good = SHIPPED_RECORDING / "handmade" / "eurlex_legal-content_EN-ALL_CELEX-32017R0821.html"
    entries = [{"url": GOOD, "file": "good.html", "handmade": True}]
    (recording / "good.html").write_bytes(good.read_bytes())
    for name, url, stamp in (
        ("a.xml", SAVED, "Fri, 05 Jul 2024"),
        ("b.xml", "https://eur-lex.europa.eu/EN/display-feed.rss?rssId=162", "Sat, 06 Jul 2024"),
    ):
        feed = f'<rss version="2.0"><channel><title>t</title><item><title>x</title><link>{GOOD}</link><pubDate>{stamp} 00:00:00 GMT</pubDate></item></channel></rss>'
        (recording / name).write_text(feed, "utf-8")
        entries.append({"url": url, "file": name, "content_type": "application/rss+xml", "handmade": True})
    (recording / "manifest.json").write_text(json.dumps({"entries": entries}), "utf-8")
    [first] = crawl(config_file=project / "policytrack.toml", replay=recording, spiders=["eurlex"])
    assert (first["pages"], first["new"], first["failed"]) == (1, 1, 0)
    for name in ("a.xml", "b.xml"):  # both feeds change (no 304), their entries do not
        path = recording / name
        path.write_text(path.read_text("utf-8").replace("<title>t</title>", "<title>t2</title>"), "utf-8")
    [second] = crawl(config_file=project / "policytrack.toml", replay=recording, spiders=["eurlex"])
    assert (second["pages"], second["new"], second["failed"]) == (0, 0, 0)
