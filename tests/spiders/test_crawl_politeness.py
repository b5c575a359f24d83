"""Politeness and readable failures, measured at the replay server: a robots.txt ``Crawl-delay``
gives its host one request at a time that many seconds apart (shortened here by a scale, so the
test does not wait 10 s per request), and a crawl's failures are one line each, never a traceback."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from pathlib import Path

from crawl_fixtures import project_fixture  # noqa: F401 (pytest fixture `project`)
from recordings import RSS, SHIPPED, config, recording, rss

from spiders.summary import crawl

FEED = "https://eur-lex.europa.eu/EN/display-feed.rss?rssId=162"
PAGE = "https://eur-lex.europa.eu/legal-content/EN/ALL/?uri=CELEX:{}"
ACTS = ("32017R0821", "32022L2380", "32024R1252")
WATCH = f'\n[[topics]]\nslug = "acts"\ntitle = "Acts"\ncelex = {json.dumps(list(ACTS))}\n'
SCALE = 0.05  # EUR-Lex asks for 10 s: 0.5 s here


def pages() -> list[dict]:
    return [
        {
            "url": PAGE.format(c),
            "body": (SHIPPED / "handmade" / f"eurlex_legal-content_EN-ALL_CELEX-{c}.html").read_bytes(),
        }
        for c in ACTS
    ]


def test_a_crawl_delay_gives_the_host_one_request_at_a_time_that_far_apart(project: Path):
    rec = recording(
        project / "rec",
        {
            "url": "https://eur-lex.europa.eu/robots.txt",
            "content_type": "text/plain",
            "body": b"User-agent: *\nCrawl-delay: 10\n",
        },
        {"url": FEED, "content_type": RSS, "body": rss()},
        *pages(),
    )
    log = project / "requests.json"
    [row] = crawl(
        config_file=config(project, WATCH), replay=rec, spiders=["eurlex"], request_log=log, crawl_delay_scale=SCALE
    )
    assert row["failed"] == 0 and row["new"] == 3
    asked = sorted(
        (r for r in json.loads(log.read_text("utf-8")) if not r["url"].endswith("robots.txt")), key=lambda r: r["start"]
    )
    assert len(asked) == 4  # the feed and the three watched pages
    for before, after in itertools.pairwise(asked):
        assert after["start"] >= before["end"], "two requests to the host at once"
        assert after["start"] - before["start"] >= 10 * SCALE * 0.9, (before["url"], after["url"])


def test_without_a_crawl_delay_the_replay_does_not_wait(project: Path):
    rec = recording(project / "rec", {"url": FEED, "content_type": RSS, "body": rss()}, *pages())
    log = project / "requests.json"
    crawl(config_file=config(project, WATCH), replay=rec, spiders=["eurlex"], request_log=log, crawl_delay_scale=SCALE)
    asked = sorted(
        (r for r in json.loads(log.read_text("utf-8")) if not r["url"].endswith("robots.txt")), key=lambda r: r["start"]
    )
    assert asked[-1]["start"] - asked[0]["start"] < 3 * 10 * SCALE  # (the shortened delay was not applied)


def test_failures_are_one_line_each_never_a_traceback(project: Path):
    """robots.txt that cannot be fetched (Scrapy logs that itself), a page whose connection drops,
    a 404: each is one line saying what and where."""
    dropped = PAGE.format(ACTS[1])
    rec = recording(
        project / "rec",
        {"url": "https://eur-lex.europa.eu/robots.txt", "drop": True},
        {"url": FEED, "content_type": RSS, "body": rss((dropped, "Fri, 05 Jul 2024 00:00:00 GMT"))},
        {"url": dropped, "drop": True},
        pages()[0],
    )
    config(project, WATCH)
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from policytrack.cli import main; main()",
            "crawl",
            "--replay",
            str(rec),
            "--spider",
            "eurlex",
        ],
        capture_output=True,
        text=True,
        cwd=project,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and "Traceback" not in done.stdout
    log_lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert all(line[:4].isdigit() for line in log_lines), log_lines  # every line a log record, no continuation
    robots = [line for line in log_lines if "robots.txt" in line]
    assert (
        len(robots) == 1 and "WARNING: robots.txt of eur-lex.europa.eu could not be read (ConnectionDone" in robots[0]
    )
    failures = [line for line in log_lines if "eurlex failed:" in line]
    assert len(failures) == 2  # the dropped page and the 404 (the third watched act is not recorded)
    assert any(f"{dropped}: ConnectionDone: Connection was closed cleanly." in line for line in failures)
    assert any(f"{PAGE.format(ACTS[2])}: HTTP 404" in line for line in failures)
